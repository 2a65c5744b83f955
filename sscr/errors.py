"""The exceptions and warnings the pricing core raises.

Every message names the input, the value and the rule (with the regulation or guidance
paragraph), so that the Excel edge can show it in a cell as it stands.
"""

from __future__ import annotations


class PricingInputError(ValueError):
    """An input breaks a rule of the regulations, the guidance or the input format."""


class RateNotAvailableError(PricingInputError):
    """A published rate needed for a calculation is not in the rate table."""


class SupplyChainError(PricingInputError):
    """A group supply chain table cannot be read as a tree rooted at the prime contract."""


class RatesFileError(PricingInputError):
    """A user rates file cannot be read."""


class CapitalServicingWarning(UserWarning):
    """A zero or negative capital servicing adjustment (guidance 6.16: double check it)."""


#: What each operating system failure means for the user, and what to do about it.
_OS_RULES = {
    "ENAMETOOLONG": "a file or folder name may be at most 255 bytes, and a whole path 4,096: choose a shorter name",
    "ENOTDIR": "a part of the path is a file, not a folder: check the path",
    "EISDIR": "it is a folder: name a file",
    "ENOENT": "it, or the folder it would be in, does not exist: check the path",
    "EACCES": "this user may not read or write there: change the permissions, or choose another place",
    "EPERM": "the operating system does not allow it here: change the permissions, or choose another place",
    "EROFS": "the file system is read-only: choose a folder on a writable disk",
    "ENOSPC": "the disk is full: free some space, or choose another disk",
    "EDQUOT": "this user's disk quota is used up: free some space, or choose another disk",
    "EFBIG": "the file would be larger than this file system (or this user's file size limit) allows",
    "EIO": "the disk or network share failed to read or write: copy the file to a local disk and try again",
    "ELOOP": "the path goes round a loop of symbolic links: check the links",
    "EMFILE": "this process has too many files open: run with fewer --workers",
    "ENFILE": "the system has too many files open: try again when it is less busy",
    "EXDEV": "the file cannot be moved across disks: write the output on the same disk as its folder",
    "ETXTBSY": "the file is in use by a running program: close it and try again",
    "EBUSY": "the file is in use: close it where it is open and try again",
    "ENXIO": "it is a device or pipe with nothing at the other end: name a regular file",
    "EINVAL": "the name is not one this file system accepts: choose a plainer name",
}


def os_error_message(exc: OSError, what: str = "") -> str:
    """An operating system failure in a user's words: ``what`` (the input or output, e.g. "--out
    report.csv"), or the file the error names, then the system's reason and the rule it breaks."""
    import errno

    code = errno.errorcode.get(exc.errno or -1, "")
    name = what or (str(exc.filename) if exc.filename is not None else "a file")
    if exc.filename2 is not None and not what:
        name = f"{exc.filename} (to {exc.filename2})"
    reason = exc.strerror or type(exc).__name__
    rule = _OS_RULES.get(code)
    return f"{name}: {reason}" + (f" ({rule})" if rule else "")
