"""One module per `migrate` sub-command; each is a thin click wrapper."""
