# SPDX-License-Identifier: MIT
"""Readers of rule backend outputs: each turns what a target holds into a packet evaluator."""
