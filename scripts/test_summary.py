#!/usr/bin/env python3
"""Prints the closing line 'N passed, N failed, N skipped' from meson's JUnit log.

Counts GoogleTest cases, not test binaries. A binary that failed without reporting cases
(crashed, or refused to run without root) counts as one failure, so a run that checked
nothing can never close with '0 failed'.
"""
import sys
import xml.etree.ElementTree as ET


def main(path: str, meson_status: int) -> int:
    root = ET.parse(path).getroot()
    passed = failed = skipped = 0
    for suite in root.iter("testsuite"):
        tests = int(suite.get("tests", 0))
        bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skip = int(suite.get("skipped", 0)) + int(suite.get("disabled", 0))
        passed += tests - bad - skip
        failed += bad
        skipped += skip
    if meson_status != 0 and failed == 0:
        failed = 1
    line = f"{passed} passed, {failed} failed"
    if skipped:
        line += f", {skipped} skipped"
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
