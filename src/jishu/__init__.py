"""jishu: progress, subsidies and a nightly summary for 「人人持证、技能河南」 ledgers (台账)."""

__version__ = "0.1.0"
