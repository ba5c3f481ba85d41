// Progressive enhancement for the applicant's forms; everything works without it.
// An error summary takes the focus so keyboard and screen-reader users hear it first.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
});
