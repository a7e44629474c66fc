"""PDF documents of the results: WeasyPrint HTML templates and CSS (A4), fonts shipped in `results/fonts/`."""
