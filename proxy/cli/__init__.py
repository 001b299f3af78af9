"""The genproxy command line: serve and the admin commands, and a client of a running genproxy."""
