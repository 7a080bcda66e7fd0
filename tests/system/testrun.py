"""How the host self-tests (tests/system/selftest.py, bench/selftest.py) run
their tests: each a function that raises on a failed check."""


def run(tests, name):
    """Run each of tests, print "PASS fn"/"FAIL fn: why" and the closing
    "name: N passed, N failed" line; 1 if any failed, else 0."""
    passed = failed = 0
    for fn in tests:
        try:
            fn()
        except Exception as e:  # a failed check or a harness bug: both fail
            failed += 1
            print("FAIL %s: %s: %s" % (fn.__name__, type(e).__name__, e), flush=True)
        else:
            passed += 1
            print("PASS %s" % fn.__name__, flush=True)
    print("%s: %d passed, %d failed" % (name, passed, failed))
    return 1 if failed else 0
