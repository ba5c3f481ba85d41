"""Cross-cutting web code: security headers, errors, i18n, filters, the page cache, the
signed-in user, refusals shown on pages, file responses, the home page and the admin shell."""
