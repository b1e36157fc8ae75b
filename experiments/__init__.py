"""Running borderflow: the command line and the named scenario files."""
