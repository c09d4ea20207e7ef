"""The validated cache (placeholder until the scale work): no entries are kept yet."""

from __future__ import annotations


class Cache:
    @classmethod
    def for_data(cls, data_dir, encoding):
        return None
