"""One module per library or Flask pattern the route inventory understands."""
