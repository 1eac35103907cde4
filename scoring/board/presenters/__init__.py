"""The board's data shaping, one module per page: plain data for the templates, built from
selectors (reads only). The views in scoring.board.views only parse the request, check
the permission and render what these return."""
