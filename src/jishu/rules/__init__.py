"""The rules of SPEC §3 (progress), §4 (subsidies) and §4.1 (the audit), as pure functions from
ledgers to report models. Each rule is one function a reader holding the SPEC can check line by
line; the array mechanics they use live in jishu.fast."""
