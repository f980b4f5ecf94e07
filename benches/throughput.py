#!/usr/bin/env python3
"""Throughput of voipscope and tshark on one large synthetic capture.

usage: benches/throughput.py [--size 1G] [--calls 200] [--runs 3] [--no-tshark] [--pgo]

Builds the binary as installed (the `dist` profile; with --pgo, the profile-guided build of
benches/pgo.py), writes the capture with `voipscope synth` (once; kept in
$TMPDIR), reads it once to warm the page cache, then times `voipscope analyze` on 1 and 2
threads and `tshark -q -z rtp,streams` on the same file. Prints MB/s, packets/s and peak
memory (peak RSS of the process, from getrusage) for each; the best of --runs is kept.
"""
import argparse, json, os, resource, shutil, subprocess, sys, tempfile, time

import pgo  # beside this file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

def run_child(cmd):
    # a fresh process per measurement, so ru_maxrss is this command's own peak
    code = ("import resource,subprocess,sys,time,json;t=time.perf_counter();"
            "p=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL);"
            "e=time.perf_counter()-t;r=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss;"
            "print(json.dumps([e,r,p.returncode]))")
    out = subprocess.run([sys.executable, '-c', code, *cmd], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--size', default='1G')
    ap.add_argument('--calls', default='200')
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--no-tshark', action='store_true')
    ap.add_argument('--pgo', action='store_true')
    a = ap.parse_args()
    exe = pgo.benchmarked_binary(a.pgo)
    cap = os.path.join(tempfile.gettempdir(), f'voipscope-throughput-{a.size}-{a.calls}.pcap')
    if not os.path.exists(cap):
        subprocess.run([exe, 'synth', '-o', cap, '--size', a.size, '--calls', a.calls], check=True)
    size = os.path.getsize(cap)
    frames = json.load(open(cap + '.truth.json'))['frames']
    with open(cap, 'rb') as f:
        while f.read(1 << 24):
            pass
    print(f'capture: {cap}: {size / 1e6:.0f} MB, {frames} packets, {a.calls} concurrent calls')
    print(f'{"tool":38s} {"seconds":>8s} {"MB/s":>8s} {"packets/s":>12s} {"peak RSS MB":>12s}')
    cases = [(f'voipscope analyze --threads {t}', [exe, 'analyze', cap, '--threads', str(t)]) for t in (1, 2)]
    if not a.no_tshark and shutil.which('tshark'):
        cases.append(('tshark -q -z rtp,streams', ['tshark', '-q', '-r', cap, '-z', 'rtp,streams']))
    for name, cmd in cases:
        best = None
        for _ in range(a.runs if 'tshark' not in name else 1):
            e, rss, code = run_child(cmd)
            if code != 0:
                sys.exit(f'{name} failed with exit code {code}')
            if best is None or e < best[0]:
                best = (e, rss)
        e, rss = best
        print(f'{name:38s} {e:8.3f} {size / 1e6 / e:8.0f} {frames / e:12.0f} {rss / 1024:12.1f}')

if __name__ == '__main__':
    main()
