#!/usr/bin/env python3
"""Tests the Python binding with Debian's python3-numpy and python3-torch.
Usage: python_loader_test.py DATASET_DIR (a synthub dataset of >= 200 samples)."""
import glob
import os
import sys
import tarfile
import unittest

import numpy as np
import synthub

DATA = sys.argv.pop(1)


def epoch_keys(loader, limit=None):
    keys = []
    it = iter(loader)
    while limit is None or limit > 0:
        if next(it, None) is None:
            break
        keys.extend(loader.keys)
        limit = None if limit is None else limit - 1
    return keys


class LoaderTest(unittest.TestCase):
    def test_numpy_batches_and_exact_len(self):
        loader = synthub.Loader(DATA, batch_size=16, image_size=32, as_numpy=True, seed=1)
        self.assertEqual(len(loader), loader.samples_per_epoch // 16)
        batches = 0
        for images, labels in loader:
            self.assertEqual(images.shape, (16, 3, 32, 32))
            self.assertEqual(images.dtype, np.float32)
            self.assertEqual(labels.dtype, np.int64)
            self.assertIsNotNone(images.base)  # owns the C++ buffer, no copy
            self.assertTrue(((labels >= 0) & (labels < loader.num_classes)).all())
            batches += 1
        self.assertEqual(batches, len(loader))

    def test_every_sample_once_per_epoch_and_new_order(self):
        loader = synthub.Loader(DATA, batch_size=8, image_size=16, drop_last=False, workers=3)
        first = epoch_keys(loader)
        second = epoch_keys(loader)
        self.assertEqual(len(first), len(set(first)))
        self.assertEqual(len(first), loader.samples_per_epoch)
        self.assertEqual(sorted(first), sorted(second))
        self.assertNotEqual(first, second)

    def test_state_dict_resume(self):
        options = dict(batch_size=8, image_size=16, seed=5, shuffle="global")
        full = epoch_keys(synthub.Loader(DATA, **options))
        a = synthub.Loader(DATA, **options)
        head = epoch_keys(a, limit=3)
        state = a.state_dict()
        b = synthub.Loader(DATA, **options)
        b.load_state_dict(state)
        self.assertEqual(head + epoch_keys(b), full)

    def test_ranks_split_the_epoch(self):
        seen = []
        for rank in range(2):
            loader = synthub.Loader(DATA, batch_size=8, image_size=16, rank=rank, world_size=2)
            seen.extend(epoch_keys(loader))
        self.assertEqual(len(seen), len(set(seen)))

    def test_one_view_per_category(self):
        # Each epoch one sample of each category (keys CCCCCC_RR_DDD_F), a new one each epoch.
        options = dict(batch_size=2, image_size=16, seed=2, shuffle="global", one_view_per_category=True)
        loader = synthub.Loader(DATA, **options)
        self.assertEqual(loader.samples_per_epoch, loader.num_classes)
        first, second = epoch_keys(loader), epoch_keys(loader)
        for keys in (first, second):
            self.assertEqual(sorted(int(k[:6]) for k in keys), list(range(loader.num_classes)))
        self.assertNotEqual(sorted(first), sorted(second))
        self.assertEqual(epoch_keys(synthub.Loader(DATA, **options)), first)
        with self.assertRaisesRegex(synthub.Error, "one_view_per_category .* needs shuffle global"):
            synthub.Loader(DATA, one_view_per_category=True)

    def test_torch_tensors_and_iterable_dataset(self):
        import torch
        from torch.utils.data import DataLoader

        loader = synthub.Loader(DATA, batch_size=8, image_size=16, layout="u8")
        images, labels = next(iter(loader))
        self.assertIsInstance(images, torch.Tensor)
        self.assertEqual(tuple(images.shape), (8, 16, 16, 3))
        self.assertEqual(images.dtype, torch.uint8)
        dataset = synthub.LoaderDataset(DATA, batch_size=8, image_size=16)
        count = sum(1 for _ in DataLoader(dataset, batch_size=None, num_workers=0))
        self.assertEqual(count, len(dataset))

    def test_kept_tensor_is_never_overwritten_and_buffers_are_recycled(self):
        import torch

        for layout in ("f32", "u8"):
            loader = synthub.Loader(DATA, batch_size=8, image_size=16, layout=layout, workers=1,
                                    prefetch=1, shuffle="none")
            it = iter(loader)
            kept, _ = next(it)  # a torch tensor over the loader's buffer
            copy = kept.clone()
            kept_at = kept.data_ptr()
            later = []
            for _ in range(12):
                images, _ = next(it)
                self.assertNotEqual(images.data_ptr(), kept_at)
                later.append(images.data_ptr())
                del images  # released: its buffer goes back to the loader
            self.assertTrue(torch.equal(kept, copy), layout)
            # Batch j (j >= 2) is made only after batch j - 2 came back: at
            # most one of batches 2..12 finds no buffer to reuse.
            self.assertGreaterEqual(loader.stats()["buffers_reused"], 10, layout)
            self.assertLessEqual(len(set(later)), 4, layout)
            # A buffer released after its loader is gone is simply freed.
            images, _ = next(it)
            del it, loader
            self.assertEqual(images.shape[0], 8)
            del images
        # Kept batches are never reused: every one is a fresh buffer.
        loader = synthub.Loader(DATA, batch_size=8, image_size=16, workers=1, prefetch=1)
        batches = [images for images, _ in loader]
        self.assertEqual(len({b.data_ptr() for b in batches}), len(batches))
        self.assertEqual(loader.stats()["buffers_reused"], 0)

    def test_stats_when_the_consumer_stops_early(self):
        # The read figures are right whatever the reason the run ends: here
        # a loop that breaks after two batches, the loader still alive.
        loader = synthub.Loader(DATA, batch_size=8, image_size=16, shuffle="none", workers=1,
                                prefetch=1, with_keys=True)
        delivered = []
        for n, (_, _, keys) in enumerate(loader):
            delivered.extend(keys)
            if n == 1:
                break
        stats = loader.stats()
        member_bytes, shard_bytes = {}, {}
        for path in sorted(glob.glob(os.path.join(DATA, "*.tar"))):
            shard_bytes[path] = os.path.getsize(path)
            with tarfile.open(path) as tar:
                for m in tar:
                    key = m.name.split(".")[0]
                    member_bytes[key] = member_bytes.get(key, 0) + m.size
        self.assertEqual(len(delivered), 16)
        self.assertGreater(stats["read_s"], 0)
        self.assertGreaterEqual(stats["bytes_read"], sum(member_bytes[k] for k in delivered))
        self.assertGreaterEqual(stats["files_opened"], 1)
        # ... and no more than the shards it opened (in order: shuffle none).
        opened = list(shard_bytes.values())[:stats["files_opened"]]
        self.assertLessEqual(stats["bytes_read"], sum(opened))
        self.assertEqual(stats["batches"], 2)
        self.assertEqual(stats["samples"], 16)

    def test_pytorch_workers_split_the_epoch_exactly(self):
        # DataLoader(num_workers=W) must not deliver a sample W times: the
        # workers split the rank's batches; len() stays exact.
        from torch.utils.data import DataLoader

        options = dict(batch_size=16, image_size=16, drop_last=False, seed=4, with_keys=True)
        total = synthub.Loader(DATA, **options).samples_per_epoch
        for world in (1, 2):
            epochs = {}
            for num_workers in (0, 2):
                seen = [[], []]  # per epoch, over the ranks
                for rank in range(world):
                    dataset = synthub.LoaderDataset(DATA, rank=rank, world_size=world, **options)
                    loader = DataLoader(dataset, batch_size=None, num_workers=num_workers)
                    for epoch in range(2):
                        batches = [tuple(keys) for _, _, keys in loader]
                        self.assertEqual(len(batches), len(dataset), (world, num_workers))
                        seen[epoch].extend(batches)
                for epoch, batches in enumerate(seen):
                    keys = [k for b in batches for k in b]
                    self.assertEqual(len(keys), total, (world, num_workers, epoch))
                    self.assertEqual(len(set(keys)), total, (world, num_workers, epoch))
                epochs[num_workers] = seen
            # The same batches as without PyTorch workers, epoch by epoch, in
            # another order; and each epoch a new one.
            for epoch in range(2):
                self.assertEqual(sorted(epochs[2][epoch]), sorted(epochs[0][epoch]), (world, epoch))
            self.assertNotEqual(sorted(epochs[2][0]), sorted(epochs[2][1]))

    def test_pytorch_workers_set_epoch_and_persistent_workers(self):
        from torch.utils.data import DataLoader

        options = dict(batch_size=16, image_size=16, seed=4, with_keys=True)

        def run(num_workers, epochs, first_epoch=None, **kw):
            dataset = synthub.LoaderDataset(DATA, **options)
            if first_epoch is not None:
                dataset.set_epoch(first_epoch)
            loader = DataLoader(dataset, batch_size=None, num_workers=num_workers, **kw)
            return [sorted(tuple(keys) for _, _, keys in loader) for _ in range(epochs)]

        plain = run(0, 3)
        self.assertEqual(run(2, 3, persistent_workers=True), plain)
        self.assertEqual(run(2, 1, first_epoch=2), plain[2:])

    def test_errors(self):
        with self.assertRaises(RuntimeError):
            synthub.Loader(DATA + "/nope-{0..3}.tar")
        with self.assertRaisesRegex(synthub.Error, "shuffle: expected none, local or global"):
            synthub.Loader(DATA, shuffle="sometimes")
        with self.assertRaisesRegex(synthub.Error, "batch_size must be >= 1"):
            synthub.Loader(DATA, batch_size=0)

    def test_timm_augmentations(self):
        plain = dict(batch_size=8, image_size=32, seed=3, shuffle="none", as_numpy=True)
        timm = dict(plain, rand_augment="rand-m9-mstd0.5-inc1", color_jitter=0.4,
                    random_erasing=0.5, vflip=True)
        a, _ = next(iter(synthub.Loader(DATA, **timm)))
        b, _ = next(iter(synthub.Loader(DATA, workers=3, **timm)))
        c, _ = next(iter(synthub.Loader(DATA, **plain)))
        np.testing.assert_array_equal(a, b)  # a function of (seed, epoch, sample)
        self.assertFalse(np.array_equal(a, c))
        with self.assertRaisesRegex(synthub.Error, "rand_augment: unknown section 'w0'"):
            synthub.Loader(DATA, rand_augment="rand-m9-w0")
        with self.assertRaisesRegex(synthub.Error, "random_erasing is a probability"):
            synthub.Loader(DATA, random_erasing=2.0)
        with self.assertRaisesRegex(synthub.Error, "color_jitter must be >= 0"):
            synthub.Loader(DATA, color_jitter=-1.0)

    def test_unknown_keyword_is_refused(self):
        # A typo must not train with the default batch size.
        with self.assertRaisesRegex(TypeError, "unexpected keyword argument 'batchsize'.*'batch_size'"):
            synthub.Loader(DATA, batchsize=16)
        with self.assertRaisesRegex(TypeError, "'frobnicate'"):
            synthub.LoaderDataset(DATA, frobnicate=True)
        self.assertIn("batch_size", synthub.KEYWORDS)
        self.assertIn("rand_augment", synthub.KEYWORDS)
        self.assertEqual(synthub.CHOICES["shuffle"], ["none", "local", "global"])
        self.assertEqual(synthub.CHOICES["layout"], ["u8", "f32"])


if __name__ == "__main__":
    unittest.main()
