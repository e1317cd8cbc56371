#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Stage the smallest Python that runs the kernel's ynl CLI.

usage: pytree.py DEST CLI SPEC

Runs CLI (tools/net/ynl/cli.py) with this interpreter far enough to load
everything it imports (it then fails to find the family: tern.ko is not
loaded here), and copies under DEST the interpreter (bin/python3) and every
module file it loaded, byte-compiled: the standard library's under
lib/pythonX.Y/, the others (PyYAML) under site/. ynl's own lib/ is left out: the suite ships it
next to cli.py. In the VM, run it as

    PYTHONHOME=DEST PYTHONPATH=DEST/site DEST/bin/python3 -S -B CLI ...

A few MiB instead of the whole standard library, so that every VM that
gets the test tree boots about as fast as before.
"""

import compileall
import os
import runpy
import shutil
import sys
import sysconfig


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[2])
    dest, cli, spec = sys.argv[1:]
    cli = os.path.realpath(cli)
    ynl_dir = os.path.dirname(cli)

    # Outside the standard library, only what cli.py brings in counts
    # (not site's hooks, nor this script).
    before = set(sys.modules)
    sys.argv = [cli, '--spec', spec, '--no-schema',
                '--dump', 'conn-get', '--output-json']
    sys.path.insert(0, ynl_dir)
    try:
        runpy.run_path(cli, run_name='__main__')
    except BaseException:       # noqa: B036 - SystemExit included
        pass
    # What an error or a traceback needs, should one happen in the VM.
    import linecache   # noqa: F401
    import traceback   # noqa: F401
    import tokenize    # noqa: F401

    stdlib = os.path.realpath(sysconfig.get_paths()['stdlib'])
    libdir = 'lib/python%d.%d' % sys.version_info[:2]
    paths = sorted((os.path.realpath(p) for p in sys.path if p),
                   key=len, reverse=True)

    if os.path.isdir(dest):
        shutil.rmtree(dest)
    os.makedirs(os.path.join(dest, 'bin'))
    shutil.copy2(os.path.realpath(sys.executable),
                 os.path.join(dest, 'bin', 'python3'))

    for name, mod in list(sys.modules.items()):
        src = getattr(mod, '__file__', None)
        if not src or not os.path.isfile(src):
            continue
        src = os.path.realpath(src)
        if src.startswith(ynl_dir + os.sep):
            continue
        if src.startswith(stdlib + os.sep):
            rel = os.path.join(libdir, os.path.relpath(src, stdlib))
        else:
            base = next((p for p in paths if src.startswith(p + os.sep)),
                        None)
            if name in before or base is None:
                continue
            rel = os.path.join('site', os.path.relpath(src, base))
        out = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        shutil.copy2(src, out)

    # getpath's landmark for the standard library, frozen or not.
    landmark = os.path.join(dest, libdir, 'os.py')
    if not os.path.exists(landmark):
        shutil.copy2(os.path.join(stdlib, 'os.py'), landmark)

    # Byte-compiled now rather than by every run under TCG, and only the
    # bytecode kept (module.pyc next to where module.py was, which this
    # very interpreter imports): half the size.
    if not compileall.compile_dir(dest, legacy=True, quiet=1):
        sys.exit('pytree.py: byte-compiling %s failed' % dest)
    for root, _, files in os.walk(dest):
        for f in files:
            if f.endswith('.py'):
                os.unlink(os.path.join(root, f))


if __name__ == '__main__':
    main()
