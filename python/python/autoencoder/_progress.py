"""Per-epoch progress for ``verbose`` training: tqdm when it is installed, else a one-line bar
of our own on stderr (the crate's own bar belongs to its command-line tool)."""

import sys
import time


class _TextBar:
    """A minimal progress bar: ``epoch k/n  loss ...  elapsed`` rewritten in place."""

    def __init__(self, total, desc):
        self.total, self.desc, self.start = total, desc, time.perf_counter()

    def update(self, epoch, loss, validation_loss):
        width = 30
        done = int(width * (epoch + 1) / max(self.total, 1))
        text = f"\r{self.desc} [{'#' * done}{'.' * (width - done)}] {epoch + 1}/{self.total} loss {loss:.6g}"
        if validation_loss is not None:
            text += f" val {validation_loss:.6g}"
        text += f" {time.perf_counter() - self.start:.1f}s"
        sys.stderr.write(text)
        sys.stderr.flush()

    def close(self):
        sys.stderr.write("\n")
        sys.stderr.flush()


class _TqdmBar:
    def __init__(self, total, desc):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=total, desc=desc, unit="epoch")

    def update(self, epoch, loss, validation_loss):
        postfix = {"loss": f"{loss:.6g}"}
        if validation_loss is not None:
            postfix["val"] = f"{validation_loss:.6g}"
        self.bar.set_postfix(postfix, refresh=False)
        self.bar.update(1)

    def close(self):
        self.bar.close()


def progress_bar(total, desc="fit"):
    """A bar with ``update(epoch, loss, validation_loss)`` and ``close()``."""
    try:
        return _TqdmBar(total, desc)
    except ImportError:
        return _TextBar(total, desc)
