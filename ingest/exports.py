"""Workspace exports: a ``.zip`` file or the folder it unpacks to, read member by member.

Slack and Viva Engage both export a workspace as a zip of JSON or CSV files.
:class:`ExportFiles` hides whether the export is still zipped, names each member
the same way in both cases (``EXPORT.zip:general/2024-01-02.json``, the
``file:member`` of error messages) and turns every failure to open or read one
into a :class:`~graph.errors.InputError` naming it, never a traceback.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path, PurePosixPath

from graph.errors import InputError

#: Members bigger than this are refused (a zip bomb, or not an export at all).
MAX_MEMBER_BYTES = 512 * 1024 * 1024


class ExportFiles:
    """The members of an export, zipped or unpacked.

    Parameters
    ----------
    path : str or Path
        A ``.zip`` file or a folder.

    Raises
    ------
    InputError
        If ``path`` does not exist, or is a file that is not a zip archive.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "users.json").write_text("[]")
    >>> ExportFiles(d).names
    ['users.json']
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.display = str(path)
        self._zip: zipfile.ZipFile | None = None
        if self.path.is_dir():
            self.names = sorted(
                p.relative_to(self.path).as_posix() for p in self.path.rglob("*") if p.is_file()
            )
        elif self.path.is_file():
            try:
                self._zip = zipfile.ZipFile(self.path)
            except (zipfile.BadZipFile, OSError) as exc:
                raise InputError(f"{self.display}: not a zip archive nor a folder ({exc})") from None
            self.names = sorted(
                i.filename for i in self._zip.infolist() if not i.is_dir()
                # macOS adds resource forks to zips it makes
                and not i.filename.startswith("__MACOSX/")
            )
        else:
            raise InputError(f"{self.display}: no such file or folder")
        self.size = sum(self._size(n) for n in self.names)

    def _size(self, name: str) -> int:
        if self._zip is not None:
            return self._zip.getinfo(name).file_size
        return (self.path / name).stat().st_size

    def where(self, name: str) -> str:
        """``EXPORT:member``, how messages name a member."""
        return f"{self.display}:{name}"

    def has(self, name: str) -> bool:
        return name in self._name_set

    @property
    def _name_set(self) -> set[str]:
        cached = getattr(self, "_names_cache", None)
        if cached is None:
            cached = set(self.names)
            self._names_cache = cached
        return cached

    def read(self, name: str) -> bytes:
        """The bytes of one member.

        Raises
        ------
        InputError
            If the member is missing, too big or cannot be read (corrupt zip data).
        """
        if not self.has(name):
            raise InputError(f"{self.where(name)}: missing from the export")
        if self._size(name) > MAX_MEMBER_BYTES:
            raise InputError(f"{self.where(name)}: bigger than {MAX_MEMBER_BYTES // 2**20} MiB")
        try:
            if self._zip is not None:
                return self._zip.read(name)
            return (self.path / PurePosixPath(name)).read_bytes()
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{self.where(name)}: cannot read ({exc})") from None

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> ExportFiles:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
