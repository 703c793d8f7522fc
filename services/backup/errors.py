"""The one error the backup commands report to the operator."""


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""
