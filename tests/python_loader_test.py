#!/usr/bin/env python3
"""Tests the Python binding with Debian's python3-numpy and python3-torch.
Usage: python_loader_test.py DATASET_DIR (a synthub dataset of >= 200 samples)."""
import sys
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
