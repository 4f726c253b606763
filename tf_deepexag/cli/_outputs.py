"""Where the commands' outputs go: one set of files a photo, published together
and recorded with the photo and settings they came from.

A photo's outputs (`caricature`: its caricatures and figures; `annotate`: its
`.pts` files and overlay) share a name `<name>` in the output folder and form
a set:

- **All or none.** Each file is written to a hidden temporary file beside its
  target (`OutputSet.write`); only when every file of the set is written are
  they renamed in (`OutputFolder.stage`). A bad photo, a full disk or Ctrl+C
  publishes nothing of that photo and leaves no temporary file.
- **Recorded.** `<out>/.<name>.<command>.done.json` holds the photo's SHA-256,
  the settings that shape the outputs and the set's files (as suffixes of
  `<name>`). A photo is done when a record with its digest and settings lists
  every file wanted and each exists; otherwise a rerun writes the set again
  (a record still `writing` is a run stopped while renaming).
- **Owned.** A name belongs to the photo whose digest its record holds. The
  record is created with a no-replace write (`fileio.write_bytes_exclusive`),
  so another photo with the same name (`card1/IMG_0001.JPG`,
  `card2/IMG_0001.JPG`), in this run, a later one or a concurrent one, takes
  the next free name (`IMG_0001_2`, ...). Files no record lists (a user's,
  an older version's) are never replaced, unless `--overwrite`. Publishing
  holds the folder's lock (`fileio.folder_lock`), so two runs writing one
  photo with different settings leave one consistent set.

Files a record lists are outputs, never inputs: `exclude_outputs` drops them
from what a folder run reads, so `-o` may be an input folder and a rerun
writes nothing new.
"""

import contextlib
import glob
import json
import os

from tf_deepexag import fileio
from tf_deepexag.errors import UserError

RECORD_VERSION = 1
RECORD_SUFFIX = ".done.json"
# Names tried for one photo: `<name>`, `<name>_2`, ... `<name>_<MAX_NAMES>`.
MAX_NAMES = 1000


def source_digest(path):
    """The SHA-256 of a photo file; a file that cannot be read is a bad photo."""
    try:
        return fileio.file_digest(path)
    except OSError as e:
        raise fileio.ImageReadError(f"{path}: cannot read the file "
                                    f"({e.strerror or e})") from e


def _read_json_quietly(path):
    """A record's content; None if it is missing; {} if it does not parse (a
    record being written without hard links: it belongs to someone)."""
    try:
        with open(path, encoding="utf-8") as f:
            record = json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _own_file(name):
    """A record, the folder lock or a staged temporary file (all hidden)."""
    return name.startswith(".") and (name.endswith(RECORD_SUFFIX) or name == fileio.LOCK_FILE
                                     or ".tmp" in name)


def _recorded(folder, cache):
    """The names of the files that records in `folder` list as outputs."""
    folder = os.path.abspath(folder)
    if folder not in cache:
        names = set()
        for path in glob.glob(os.path.join(glob.escape(folder), "." + "*" + RECORD_SUFFIX)):
            record = _read_json_quietly(path) or {}
            base = record.get("name")
            if isinstance(base, str):
                names.update(base + s for s in _listed(record))
        cache[folder] = names
    return cache[folder]


def exclude_outputs(photos, inputs):
    """`photos` less the files that a record beside them lists as an output,
    and the records, lock and temporary files themselves.

    Files named directly in `inputs` stay: only what a folder run found is
    dropped.

    Returns:
        `(kept photos, number left out)`.
    """
    explicit = {os.path.realpath(p) for p in inputs if os.path.isfile(p)}
    cache = {}
    kept = []
    for photo in photos:
        name = os.path.basename(photo)
        if ((name in _recorded(os.path.dirname(photo), cache) or _own_file(name))
                and os.path.realpath(photo) not in explicit):
            continue
        kept.append(photo)
    return kept, len(photos) - len(kept)


def exclude_reasons(reasons, inputs):
    """`reasons` (one line each naming a file a folder run left out, the path
    first: `"<path>: not an image"`) less those naming a recorded output."""
    cache, kept = {}, []
    for reason in reasons:
        ends = [i for i in range(len(reason)) if reason.startswith(": ", i)]
        if not any(os.path.basename(reason[:i]) in _recorded(os.path.dirname(reason[:i]), cache)
                   for i in ends):
            kept.append(reason)
    return kept


def _listed(record):
    """The output suffixes a record lists (nothing if it is malformed)."""
    outputs = (record or {}).get("outputs")
    if not isinstance(outputs, list):
        return set()
    return {s for s in outputs if isinstance(s, str) and "/" not in s and os.sep not in s}


class OutputSet:
    """The files of one photo, staged as hidden temporary files.

    Attributes:
        name: the name the set was published under (None until published).
        written: True if this run published it, False if a concurrent run had
            already written the same photo with the same settings.
    """

    def __init__(self, folder, name):
        self._folder = folder
        self._name = name
        self._staged = {}
        self.name = None
        self.written = False

    def write(self, suffix, writer):
        """Writes the output `<name><suffix>` by calling `writer(path)`.

        Raises:
            fileio.OutputFolderError: the output folder cannot be written.
        """
        target = os.path.join(self._folder.out, self._name + suffix)
        folder = os.path.dirname(target)
        try:
            os.makedirs(folder, exist_ok=True)
            fd, tmp_path = fileio.make_temp_file(  # keeps the extension: the format
                    folder, os.path.basename(target), ".tmp" + os.path.splitext(suffix)[1])
            os.close(fd)
            self._staged[suffix] = tmp_path
            writer(tmp_path)
        except OSError as e:
            raise fileio.OutputFolderError(self._folder.out, e,
                                           os.path.relpath(target, self._folder.out)) from e

    def _discard(self):
        for tmp_path in self._staged.values():
            with contextlib.suppress(FileNotFoundError):
                os.remove(tmp_path)
        self._staged.clear()


class OutputFolder:
    """A command's output folder: checks it, finds done photos, publishes sets.

    Args:
        out: the output folder; created if missing and checked writable here,
            before any model loads.
        command: the command writing (records are kept per command).
        settings: JSON-serialisable dict of the settings that shape the
            outputs; a photo done with other settings is redone.
        overwrite: bool, redo done photos and replace files no record lists.
        name: the argument's name for messages. Defaults to `"--out"`.

    Raises:
        UserError: `out` is a file.
        fileio.OutputFolderError: `out` cannot be created or written.
    """

    def __init__(self, out, command, settings, overwrite=False, name="--out"):
        fileio.check_writable_dir(out, name)
        self.out = os.fspath(out)
        self.command = command
        self.settings = json.loads(json.dumps(settings))
        self.overwrite = bool(overwrite)

    def _record_path(self, name):
        folder, base = os.path.split(os.path.join(self.out, name))
        return os.path.join(folder, f".{base}.{self.command}{RECORD_SUFFIX}")

    def _path(self, name, suffix):
        return os.path.join(self.out, name + suffix)

    def _candidates(self, name):
        yield name
        for k in range(2, MAX_NAMES + 1):
            yield f"{name}_{k}"

    def _state(self, name, digest, suffixes):
        """`(state, record)` of `name` for the photo `digest` writing `suffixes`:
        "done", "ours" (to be (re)written), "free" or "foreign" (another
        photo's, or files no record lists)."""
        record = _read_json_quietly(self._record_path(name))
        if record is None:
            taken = any(os.path.lexists(self._path(name, s)) for s in suffixes)
            return ("foreign" if taken and not self.overwrite else "free"), None
        source = record.get("source")
        if not isinstance(source, dict) or source.get("sha256") != digest:
            return "foreign", record
        listed = _listed(record)
        if not self.overwrite and any(os.path.lexists(self._path(name, s))
                                      for s in set(suffixes) - listed):
            return "foreign", record
        done = (not self.overwrite and record.get("state") == "done"
                and record.get("settings") == self.settings
                and set(suffixes) <= listed
                and all(os.path.isfile(self._path(name, s)) for s in listed))
        return ("done" if done else "ours"), record

    def _resolve(self, name, digest, suffixes):
        for candidate in self._candidates(name):
            state, record = self._state(candidate, digest, suffixes)
            if state != "foreign":
                return candidate, state, record
        raise UserError(f"No free output name for {name!r} in {self.out!r}: "
                        f"{name}..{name}_{MAX_NAMES} hold other photos' outputs.")

    def done_name(self, name, digest, suffixes):
        """The name under which the photo `digest` is done with these settings
        (every file in `suffixes` written), or None."""
        candidate, state, _ = self._resolve(name, digest, suffixes)
        return candidate if state == "done" else None

    def _record(self, name, digest, source, state, suffixes):
        return json.dumps({
            "version": RECORD_VERSION, "command": self.command,
            "name": os.path.basename(name), "state": state,
            "source": {"path": os.path.abspath(source), "sha256": digest},
            "settings": self.settings, "outputs": sorted(suffixes),
        }, indent=2, sort_keys=True).encode() + b"\n"

    def _claim(self, name, digest, source, suffixes):
        """`_state` of `name`, with a free name claimed for the photo ("ours")."""
        while True:
            state, record = self._state(name, digest, suffixes)
            if state != "free":
                return state, record
            writing = self._record(name, digest, source, "writing", suffixes)
            try:  # no-replace: where the lock does not hold, another run may claim it
                fileio.write_bytes_exclusive(self._record_path(name), writing)
                return "ours", None
            except FileExistsError:
                continue  # read what the other run recorded

    def _publish(self, outputs, digest, source):
        """Renames the staged files in under the first name the photo owns or
        that is free; returns `(name, written)`."""
        staged = outputs._staged  # pylint: disable=protected-access
        suffixes = sorted(staged)
        base = outputs._name  # pylint: disable=protected-access
        with fileio.folder_lock(self.out):
            for candidate in self._candidates(base):
                state, record = self._claim(candidate, digest, source, suffixes)
                if state == "foreign":
                    continue
                if state == "done":  # a concurrent run wrote the same
                    return candidate, False
                record_path = self._record_path(candidate)
                if record is not None:  # ours from before: not done while renaming
                    fileio.write_bytes_atomic(
                            record_path,
                            self._record(candidate, digest, source, "writing", suffixes))
                for suffix in suffixes:
                    os.replace(staged.pop(suffix), self._path(candidate, suffix))
                for stale in _listed(record) - set(suffixes):  # its earlier settings'
                    with contextlib.suppress(FileNotFoundError):
                        os.remove(self._path(candidate, stale))
                fileio.write_bytes_atomic(
                        record_path, self._record(candidate, digest, source, "done", suffixes))
                return candidate, True
        raise UserError(f"No free output name for {base!r} in {self.out!r}: "
                        f"{base}..{base}_{MAX_NAMES} hold other photos' outputs.")

    @contextlib.contextmanager
    def stage(self, name, digest, source):
        """Yields an `OutputSet` to fill; publishes it when the block succeeds.

        Args:
            name: the photo's output name (relative to the folder, no suffix).
            digest: the photo's `source_digest`.
            source: the photo's path (kept in the record).

        Raises:
            fileio.OutputFolderError: the folder cannot be written; nothing of
                the set is published.
        """
        outputs = OutputSet(self, name)
        try:
            yield outputs
            try:
                outputs.name, outputs.written = self._publish(outputs, digest, source)
            except OSError as e:
                raise fileio.OutputFolderError(self.out, e, name) from e
        finally:
            outputs._discard()  # pylint: disable=protected-access


def exit_status(failed, succeeded):
    """1 when photos failed and none ended with its outputs (written now or
    done before), else 0: the rule of every folder command."""
    return 1 if failed and not succeeded else 0


__all__ = ["OutputFolder", "OutputSet", "exclude_outputs", "exclude_reasons", "exit_status",
           "source_digest"]
