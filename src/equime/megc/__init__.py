"""The Micro-Expression Grand Challenges' formats and scores (MEGC 2025/2026: spot-then-
recognise, ME-VQA, long-video QA)."""
