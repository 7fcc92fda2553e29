"""The project's error base class: every error a user can act on (a missing model or file, a bad column, a
malformed catalog or data file) derives from it, so the command line reports it as a message, not a traceback."""


class DualUseError(Exception):
    """An error whose message tells the user what is wrong and what to do."""
