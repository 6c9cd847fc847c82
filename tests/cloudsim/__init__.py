"""A local, stateful simulation of the Google and Firebase REST APIs (see README.md)."""
