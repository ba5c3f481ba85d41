"""Reports: the programme's and each donor's figures, charts, exports, open data and PDFs."""
