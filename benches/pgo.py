#!/usr/bin/env python3
"""A profile-guided build of voipscope: the `dist` binary, compiled again with what a training
run measured (which branches are taken, which calls are hot), so the compiler lays out and
inlines for the work the tool really does.

usage: benches/pgo.py [--install] [--features F] [--quick] [--profile dist|release]

1. builds the `dist` binary instrumented (`-Cprofile-generate`, in target/pgo-generate, or
   pgo-generate in $CARGO_TARGET_DIR);
2. trains it: `voipscope synth` writes an operator's busy hour (20,000 calls of 0.2 s talk,
   1,000 at a time) and an RTP-heavy capture (200 MB, 200 calls at a time); the instrumented
   binary analyzes both as JSON lines and as text, and runs every command on the teaching
   captures of samples/ (and `analyze` on ../shared/captures when it is beside the repository);
   `--quick` trains on a tenth of the two generated captures;
3. merges the counts with llvm-profdata (the `llvm-tools` component of rustup when installed,
   else the newest LLVM of the system that reads them: Debian's `llvm-19` reads rustc 1.95's);
4. builds the binary with them (`-Cprofile-use`, in target/pgo likewise), or installs it
   (`--install`);
5. checks that the new binary writes the same bytes as the instrumented one on every training
   run: two compilations of the same code must agree, or the build fails.

Prints the binary's path last. The code is the same; only the machine code differs, so every
output is the same bytes (step 5, and the tests of a plain build cover the rest).
"""
import argparse, functools, glob, hashlib, os, re, shutil, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# beside the plain builds: $CARGO_TARGET_DIR when set, else target/
TARGET = os.path.join(ROOT, os.environ.get('CARGO_TARGET_DIR', 'target'))


@functools.cache
def host_triple():
    out = subprocess.run(['rustc', '-vV'], capture_output=True, text=True, check=True).stdout
    return re.search(r'^host: (\S+)', out, re.M).group(1)


def profdata_tools():
    """llvm-profdata candidates: rustup's own (rustc's LLVM), then the system's, newest first."""
    sysroot = subprocess.run(['rustc', '--print', 'sysroot'], capture_output=True, text=True,
                             check=True).stdout.strip()
    tools = [os.path.join(sysroot, 'lib', 'rustlib', host_triple(), 'bin', 'llvm-profdata')]
    tools += sorted(glob.glob('/usr/lib/llvm-*/bin/llvm-profdata'),
                    key=lambda p: -int(re.search(r'llvm-(\d+)', p).group(1)))
    tools += [shutil.which('llvm-profdata') or '']
    return [t for t in tools if os.path.exists(t)]


def merge(counts, merged):
    """Merges the counts with the first llvm-profdata that reads them: one older than rustc's
    LLVM may not know its format (Debian's LLVM 14 refuses rustc 1.95's; 19 reads them)."""
    for tool in profdata_tools():
        done = subprocess.run([tool, 'merge', '-o', merged] + counts, capture_output=True)
        if done.returncode == 0:
            return tool
    sys.exit('pgo: no llvm-profdata here reads these counts: `rustup component add '
             'llvm-tools`, or install a recent LLVM (Debian: `apt-get install llvm-19`)')


def cargo_build(rustflags, name, features, install, profile):
    target_dir = os.path.join(TARGET, name)
    env = dict(os.environ)
    env['RUSTFLAGS'] = (env.get('RUSTFLAGS', '') + ' ' + rustflags).strip()
    # with --target, RUSTFLAGS reach only the target's code, not build scripts and proc macros
    # (which would otherwise write counts of their own while the build runs)
    common = ['--profile', profile, '--target', host_triple(), '--quiet'] + features
    if install:
        cmd = ['cargo', 'install', '--path', '.', '--force', '--target-dir', target_dir] + common
    else:
        cmd = ['cargo', 'build', '--target-dir', target_dir] + common
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)
    return os.path.join(target_dir, host_triple(), profile, 'voipscope')


def training_runs(exe, work, quick):
    """The commands of the training, as (name, argv); captures are written first."""
    scale = 10 if quick else 1
    day = os.path.join(work, 'day.pcap')
    rtp = os.path.join(work, 'rtp.pcap')
    env = dict(os.environ, LLVM_PROFILE_FILE=os.path.join(work, 'synth-%p.profraw'))
    subprocess.run([exe, 'synth', '-o', day, '--calls', '1000', '--call-seconds', '0.2',
                    '--total-calls', str(20000 // scale), '--size', '20G'], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([exe, 'synth', '-o', rtp, '--size', f'{200 // scale}M', '--calls', '200'],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    runs = []
    for cap in (day, rtp):
        name = os.path.basename(cap)
        runs.append((f'{name} jsonl', [exe, 'analyze', cap, '--format', 'jsonl']))
        runs.append((f'{name} text', [exe, 'analyze', cap]))
    samples = sorted(glob.glob(os.path.join(ROOT, 'samples', '*.pcap')))
    for cap in samples:
        name = os.path.basename(cap)
        runs.append((f'{name} json', [exe, 'analyze', cap, '--format', 'json']))
        for command in (['calls'], ['rtp'], ['explain'], ['ladder'],
                        ['ladder', '--format', 'svg', '--call', '1']):
            runs.append((f'{name} {" ".join(command)}', [exe, command[0], cap] + command[1:]))
    # what it writes into work/out (the reports) is compared too
    runs.append(('samples report', [exe, 'batch', os.path.join(ROOT, 'samples'), '-o',
                                    os.path.join(work, 'out'), '--force']))
    shared = os.path.join(os.path.dirname(ROOT), 'shared', 'captures')
    for cap in sorted(glob.glob(os.path.join(shared, '*.pcap*'))):
        runs.append((f'shared {os.path.basename(cap)}', [exe, 'analyze', cap, '--format', 'json']))
    return runs


def digest_of(argv, profile_file, out_dir):
    """The md5 of what argv writes to stdout and into out_dir (which it empties afterwards),
    with its exit code: a refused capture counts too."""
    env = dict(os.environ, LLVM_PROFILE_FILE=profile_file)
    p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    md5 = hashlib.md5(p.stdout)
    for d, dirs, files in sorted(os.walk(out_dir)):
        dirs.sort()
        for f in sorted(files):
            path = os.path.join(d, f)
            md5.update(os.path.relpath(path, out_dir).encode() + b'\0')
            with open(path, 'rb') as fh:
                md5.update(fh.read())
    shutil.rmtree(out_dir, ignore_errors=True)
    return md5.hexdigest(), p.returncode


def build(install=False, features=(), quick=False, log=print, profile='dist'):
    work = tempfile.mkdtemp(prefix='voipscope-pgo-')
    try:
        return build_in(work, install, features, quick, log, profile)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def build_in(work, install, features, quick, log, profile):
    features = ['--features', ','.join(features)] if features else []
    raw = os.path.join(work, 'raw')
    log(f'pgo: instrumented {profile} build ({os.path.join(TARGET, "pgo-generate")})')
    generate = cargo_build(f'-Cprofile-generate={raw}', 'pgo-generate', features, False,
                           profile)
    runs = training_runs(generate, work, quick)
    assert len({name for name, _ in runs}) == len(runs), 'two training runs of one name'
    log(f'pgo: training: {len(runs)} runs')
    trained = {}
    out = os.path.join(work, 'out')
    for name, argv in runs:
        # one file of counts per process; llvm-profdata adds them up
        trained[name] = digest_of(argv, os.path.join(raw, 'voipscope-%p.profraw'), out)
    counts = sorted(glob.glob(os.path.join(raw, '*.profraw')))
    if not counts:
        sys.exit('pgo: the training wrote no counts')
    merged = os.path.join(work, 'merged.profdata')
    log(f'pgo: merged by {merge(counts, merged)}')
    # named by its content: cargo rebuilds when RUSTFLAGS change, not when a file they name does
    with open(merged, 'rb') as f:
        tag = hashlib.sha256(f.read()).hexdigest()[:16]
    os.makedirs(os.path.join(TARGET, 'pgo-profiles'), exist_ok=True)
    counts_file = os.path.join(TARGET, 'pgo-profiles', f'voipscope-{tag}.profdata')
    shutil.copyfile(merged, counts_file)
    log(f'pgo: optimized build with {counts_file}')
    # with an explicit target directory, `cargo install` leaves the binary it copies there too:
    # the check reads that one, not whichever `voipscope` comes first on PATH
    exe = cargo_build(f'-Cprofile-use={counts_file}', 'pgo', features, install, profile)
    differ = []
    for name, argv in runs:
        if digest_of([exe] + argv[1:], os.devnull, out) != trained[name]:
            differ.append(name)
    if differ:
        sys.exit('pgo: the optimized binary wrote other bytes than the instrumented one: '
                 + ', '.join(differ))
    log(f'pgo: the optimized binary wrote the same bytes on all {len(runs)} training runs')
    return exe


def benchmarked_binary(pgo, features=()):
    """The binary the benchmarks time: the profile-guided build, else the plain `dist` one."""
    if pgo:
        return build(features=features, log=lambda m: print(m, file=sys.stderr))
    features = ['--features', ','.join(features)] if features else []
    subprocess.run(['cargo', 'build', '--profile', 'dist', '--quiet'] + features, cwd=ROOT,
                   check=True)
    return os.path.join(TARGET, 'dist', 'voipscope')


def main():
    ap = argparse.ArgumentParser(description='a profile-guided build of voipscope')
    ap.add_argument('--install', action='store_true', help='cargo install the result')
    ap.add_argument('--features', action='append', default=[], help='cargo features (sql, cluster)')
    ap.add_argument('--quick', action='store_true', help='train on a tenth of the captures')
    ap.add_argument('--profile', default='dist', choices=['dist', 'release'],
                    help='cargo profile (CI checks this script with the quicker release)')
    a = ap.parse_args()
    print(build(a.install, a.features, a.quick, log=lambda m: print(m, file=sys.stderr),
                profile=a.profile))


if __name__ == '__main__':
    main()
