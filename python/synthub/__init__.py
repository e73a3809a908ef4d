"""synthub: formula-driven synthetic datasets; the C++ streaming loader.

    import synthub
    loader = synthub.Loader("data/fractaldb-{000000..000099}.tar", batch_size=64,
                            rank=rank, world_size=world, seed=0)
    for epoch in range(epochs):
        for images, labels in loader:   # torch tensors (numpy without torch)
            ...
    state = loader.state_dict()         # mid-epoch resume: load_state_dict(state)

len(loader) is the exact number of batches per epoch, equal on every rank.
"""
from ._synthub import CHOICES, KEYWORDS, Error, _Loader

try:
    import torch as _torch
except ImportError:  # numpy only
    _torch = None

__all__ = ["CHOICES", "Error", "KEYWORDS", "Loader", "LoaderDataset"]


class Loader:
    """Iterable over one epoch of batches; iterate again for the next epoch.

    Keyword options (defaults in brackets): batch_size [64], rank [0],
    world_size [1], workers [2], prefetch [4], nice [0; 10 lets a training
    loop's compute threads win the cores], seed [0],
    shuffle ["local" | "global" | "none"], shuffle_buffer [5000],
    uneven ["drop" | "wrap" | "pad"], drop_last [True],
    on_error ["error" | "skip"], image_size [224], random_resized_crop [True],
    scale [(0.08, 1.0)], ratio [(3/4, 4/3)], hflip [False], vflip [False],
    interpolation ["bilinear" | "bicubic"], layout ["f32" NCHW | "u8" NHWC],
    mean, std [(0.5, 0.5, 0.5)], rand_augment ["" off; timm's syntax, e.g.
    "rand-m9-mstd0.5-inc1"], color_jitter [0.0; not applied with
    rand_augment, as timm], random_erasing [0.0, a probability],
    one_view_per_category [False; one sample per category each epoch, a
    new one each epoch; needs shuffle="global"],
    as_numpy [False], with_keys [False: batches are (images, labels); True:
    (images, labels, keys), the sample keys a list of str].

    The spellings are the library's (synthub.CHOICES, shared with the command
    line's flags); an unknown keyword (synthub.KEYWORDS lists them) raises
    TypeError instead of silently keeping a default.

    Batches are handed over without a copy or a conversion: the images and
    labels are the loader's own buffers, owned by the numpy arrays (and the
    torch tensors made from them with torch.from_numpy). The loader never
    writes to a batch's memory while any of them is alive; when the last is
    released, the image buffer goes back to the loader for a later batch
    (stats()["buffers_reused"] counts the batches written into one), so a
    consumer that drops each batch allocates nothing per batch.
    """

    def __init__(self, spec, as_numpy=False, with_keys=False, **options):
        self._loader = _Loader(spec, **options)
        self._numpy = as_numpy or _torch is None
        self._with_keys = with_keys
        self.keys = []

    def __len__(self):
        return len(self._loader)

    def __iter__(self):
        next_batch = self._loader.next_batch
        while True:
            batch = next_batch()
            if batch is None:
                return
            yield self._hand_over(batch)
            # Hold nothing while waiting for the next batch: a batch the
            # consumer has dropped goes back to the loader now.
            batch = None

    def _hand_over(self, batch):
        images, labels, self.keys, _, _ = batch
        if not self._numpy:  # shares the memory of the numpy arrays: no copy
            images, labels = _torch.from_numpy(images), _torch.from_numpy(labels)
        return (images, labels, self.keys) if self._with_keys else (images, labels)

    def set_epoch(self, epoch):
        self._loader.set_epoch(epoch)

    def state_dict(self):
        return self._loader.state_dict()

    def load_state_dict(self, state):
        self._loader.load_state_dict(state)

    def stats(self):
        """Where time went (docs/loader.md, "Honest profiling"): stage seconds
        summed over threads, bytes and files read, batches, skipped samples,
        buffers_reused. Right at any point, also after a loop that stopped
        early."""
        return self._loader.stats()

    @property
    def num_classes(self):
        return self._loader.num_classes()

    @property
    def samples_per_epoch(self):
        return self._loader.samples_per_epoch()


if _torch is not None:
    import multiprocessing as _mp

    class LoaderDataset(_torch.utils.data.IterableDataset):
        """A torch IterableDataset of whole batches (the keywords of Loader):
        DataLoader(dataset, batch_size=None, num_workers=...).

        num_workers=0 (the lightest): synthub's own threads (workers=) decode;
        iterating is iterating dataset.loader, a Loader, with its resume
        (dataset.loader.state_dict()).

        num_workers=W > 0: each epoch the W worker processes split this rank's
        batches, worker w taking the contiguous run of batches
        [w * B // W, (w + 1) * B // W) of the B = len(dataset) batches, each
        with its own loader of max(1, workers // W) threads. Every batch is
        the one num_workers=0 would make (the same samples, crops and flips:
        a function of (seed, epoch, position)), each exactly once per epoch,
        and len(dataset) stays exact; DataLoader interleaves the workers'
        runs, so only the order of the batches differs. Each iteration of the
        DataLoader is the next epoch (persistent or not); set_epoch(e) makes
        the next one epoch e. A mid-epoch resume is Loader's alone (the
        workers' loaders live in their processes).
        """

        _MAX_WORKERS = 1024

        def __init__(self, spec, **options):
            super().__init__()
            self.spec, self.options = spec, options
            self.loader = Loader(spec, **options)
            # The next epoch of each PyTorch worker id, in memory shared with
            # the worker processes (forked or spawned): a worker started
            # afresh for each epoch still knows which epoch it is.
            self._epochs = _mp.RawArray("q", self._MAX_WORKERS)
            self._worker = None  # (num_workers, Loader) in a worker process

        def __len__(self):
            return len(self.loader)

        def set_epoch(self, epoch):
            """The next iteration runs epoch `epoch` (then epoch + 1, ...)."""
            self.loader.set_epoch(epoch)
            for w in range(self._MAX_WORKERS):
                self._epochs[w] = epoch

        def __getstate__(self):  # spawned workers: the C++ loader is not pickled
            state = dict(self.__dict__)
            state["loader"] = state["_worker"] = None
            return state

        def __iter__(self):
            info = _torch.utils.data.get_worker_info()
            if info is None:
                return iter(self.loader)
            return self._worker_share(info.id, info.num_workers)

        def _worker_share(self, w, num_workers):
            if num_workers > self._MAX_WORKERS:
                raise ValueError(f"LoaderDataset: num_workers={num_workers}, at most "
                                 f"{self._MAX_WORKERS}")
            if self._worker is None or self._worker[0] != num_workers:
                threads = max(1, self.options.get("workers", 2) // num_workers)
                options = dict(self.options, workers=threads)
                self._worker = (num_workers, Loader(self.spec, **options))
            loader = self._worker[1]
            epoch = self._epochs[w]
            self._epochs[w] = epoch + 1
            batches = len(loader)
            first, end = w * batches // num_workers, (w + 1) * batches // num_workers
            state = loader.state_dict()
            state.update(epoch=epoch, batches=first)
            loader.load_state_dict(state)
            it = iter(loader)
            for _ in range(end - first):
                yield next(it)

else:
    LoaderDataset = None
