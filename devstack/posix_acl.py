"""Search permission for one user on private parent directories (such as /root), through a POSIX ACL.

The ACL names only that user, so a private directory stays closed to everyone else. Linux stores POSIX ACLs in
the ``system.posix_acl_access`` extended attribute, in the layout of linux/posix_acl_xattr.h.
"""

from __future__ import annotations

import errno
import logging
import os
import pwd
import struct
from pathlib import Path

from devstack.errors import DevstackError

log = logging.getLogger(__name__)

_ACL_ATTRIBUTE = "system.posix_acl_access"
_ACL_USER_OBJ, _ACL_USER, _ACL_GROUP_OBJ, _ACL_MASK, _ACL_OTHER = 0x01, 0x02, 0x04, 0x10, 0x20
_ACL_NO_ID = 0xFFFFFFFF
_SEARCH = 0o1


def grant_search_on_parents(path: Path, user: str) -> None:
    """Let ``user`` traverse every parent of ``path`` that it could not traverse already."""
    uid = pwd.getpwnam(user).pw_uid
    for parent in reversed(path.parents):
        status = parent.stat()
        if status.st_mode & 0o001 or (status.st_uid == uid and status.st_mode & 0o100):
            continue
        try:
            added = _add_acl_search(parent, uid)
        except OSError as error:
            raise DevstackError(
                f"user {user} cannot traverse {parent} and an ACL could not be added ({error}); "
                "set CATALOG_CACHE_DIR to a directory that user can reach"
            ) from error
        if added:
            log.info("granted %s search permission on %s (POSIX ACL)", user, parent)


def _add_acl_search(directory: Path, uid: int) -> bool:
    """Add search for ``uid`` to the directory's ACL; False if the ACL granted it already."""
    try:
        raw = os.getxattr(directory, _ACL_ATTRIBUTE)
        entries = {(tag, who): perm for tag, perm, who in struct.iter_unpack("<HHI", raw[4:])}
    except OSError as error:
        if error.errno != errno.ENODATA:
            raise
        mode = directory.stat().st_mode
        entries = {
            (_ACL_USER_OBJ, _ACL_NO_ID): (mode >> 6) & 7,
            (_ACL_GROUP_OBJ, _ACL_NO_ID): (mode >> 3) & 7,
            (_ACL_OTHER, _ACL_NO_ID): mode & 7,
        }
    if entries.get((_ACL_USER, uid), 0) & _SEARCH and entries.get((_ACL_MASK, _ACL_NO_ID), 0) & _SEARCH:
        return False
    entries[(_ACL_USER, uid)] = entries.get((_ACL_USER, uid), 0) | _SEARCH
    mask = entries.get((_ACL_MASK, _ACL_NO_ID), entries[(_ACL_GROUP_OBJ, _ACL_NO_ID)])
    entries[(_ACL_MASK, _ACL_NO_ID)] = mask | _SEARCH
    body = b"".join(struct.pack("<HHI", tag, perm, who) for (tag, who), perm in sorted(entries.items()))
    os.setxattr(directory, _ACL_ATTRIBUTE, struct.pack("<I", 2) + body)
    return True
