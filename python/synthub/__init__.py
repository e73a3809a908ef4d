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
    world_size [1], workers [2], prefetch [4], seed [0],
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
    as_numpy [False].

    The spellings are the library's (synthub.CHOICES, shared with the command
    line's flags); an unknown keyword (synthub.KEYWORDS lists them) raises
    TypeError instead of silently keeping a default.
    """

    def __init__(self, spec, as_numpy=False, **options):
        self._loader = _Loader(spec, **options)
        self._numpy = as_numpy or _torch is None
        self.keys = []

    def __len__(self):
        return len(self._loader)

    def __iter__(self):
        while True:
            batch = self._loader.next_batch()
            if batch is None:
                return
            images, labels, self.keys, _, _ = batch
            if self._numpy:
                yield images, labels
            else:  # shares the memory of the numpy arrays: no copy
                yield _torch.from_numpy(images), _torch.from_numpy(labels)

    def set_epoch(self, epoch):
        self._loader.set_epoch(epoch)

    def state_dict(self):
        return self._loader.state_dict()

    def load_state_dict(self, state):
        self._loader.load_state_dict(state)

    def stats(self):
        return self._loader.stats()

    @property
    def num_classes(self):
        return self._loader.num_classes()

    @property
    def samples_per_epoch(self):
        return self._loader.samples_per_epoch()


if _torch is not None:

    class LoaderDataset(_torch.utils.data.IterableDataset):
        """A torch IterableDataset of whole batches: use it with
        DataLoader(dataset, batch_size=None, num_workers=0); synthub's own
        threads do the decoding."""

        def __init__(self, spec, **options):
            super().__init__()
            self.loader = Loader(spec, **options)

        def __len__(self):
            return len(self.loader)

        def __iter__(self):
            return iter(self.loader)

else:
    LoaderDataset = None
