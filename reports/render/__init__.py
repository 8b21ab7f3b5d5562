"""HTML and PNG: the report page, its sections and its charts."""
