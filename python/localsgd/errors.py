"""The exceptions of the localsgd package."""


class SpecError(ValueError):
    """A spec that localsgd refuses, as ``localsgd validate`` refuses it (exit code 2).

    ``path`` is the JSON pointer to the offending value ("/variants/1/schedule/period"; "" for
    the whole spec), or None when the spec could not be read as JSON at all (a missing file, a
    syntax error); ``rule`` is the rule it breaks; ``source`` the spec file, or "<dict>".
    """

    def __init__(self, message, path=None, rule="", source=""):
        super().__init__(message)
        self.path = path
        self.rule = rule
        self.source = source


class ResultsFolderError(RuntimeError):
    """``out`` names a folder that ``localsgd run --out`` would refuse (another spec's results,
    files localsgd did not write, or a folder another process is writing)."""
