#!/usr/bin/env python3
"""Render gradexp's figures in a real browser and check them as a person sees them.

gradexp --plot FILE.svg draws one heatmap of W.grad per head (and per layer);
--format html writes a self-contained lesson page with the same figures
inline. This suite renders those files with Debian's chromium, headless, to
PNG, decodes the PNG (stdlib only) and checks pixels:

  a. the blog's figure: in the sigmoid panel every cell off the target row is
     hatched (an exact zero) and the target row is solid; no softmax cell is
     hatched; every cell agrees with the exact values of --format json (zero
     <=> hatched) and strongly signed cells are red (+) or blue (-)
  b. --plot - writes the same bytes as --plot FILE
  c. --steps 20: one loss curve per head, its stroke colour visible inside the
     plot area, the curves told apart under simulated deuteranopia
  d. --hidden 4: one panel per head per layer, every cell as in (a)
  e. the HTML page: parses (html.parser, no stray or unclosed tags; each inline
     <svg> as XML), no scripts or external resources, rendered 1280 px wide it
     shows the hatch and both ends of the diverging map, its figures' cells
     classify as in (a), nothing overflows the width, and its text is large
     (computed and rendered sizes measured by the browser)
  f. the colour bar, sampled from pixels: its ends are a red and a blue that
     are both far darker than its centre, and stay distinguishable under
     simulated deuteranopia and protanopia (Machado et al. 2009)

The SVG's attributes are used for geometry only (where a panel, cell, colour
bar or plot area is); every verdict is taken on rendered pixels.

Usage: python3 tests/render_check.py [--gradexp ./gradexp] [--out DIR]
Prints one line per check ("ok" or "FAIL <reason>") and finally
"render: N passed, M failed"; exit status 0 when all passed, 1 when a check
failed, 2 when the renderer is unusable (no chromium). The PNGs stay in DIR.
"""

import argparse
import json
import math
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zlib
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

SVGNS = '{http://www.w3.org/2000/svg}'
HTML_WIDTH = 1280          # the lesson page is rendered this wide
MAX_PAGE_HEIGHT = 30000    # a taller page is cut here (and said so)
RENDER_TIMEOUT = 90        # seconds per chromium run
CVD_MIN_DE = 30            # CIE76 distance two colours keep under simulated colour blindness
                           # (RdBu's ends: 54 deuteranopia, 35 protanopia; red/green: < 10)


class SetupError(Exception):
    """The renderer itself is unusable: no verdict on gradexp is possible."""


# ---------------------------------------------------------------- PNG reader

def _swar_add(a, b, nbytes):
    """Bytewise (a + b) mod 256 of two equal-length byte strings, via big ints."""
    x = int.from_bytes(a, 'big')
    y = int.from_bytes(b, 'big')
    lo = int.from_bytes(b'\x7f' * nbytes, 'big')
    hi = int.from_bytes(b'\x80' * nbytes, 'big')
    s = ((x & lo) + (y & lo)) ^ ((x ^ y) & hi)
    return bytearray(s.to_bytes(nbytes, 'big'))


class Image:
    """8-bit RGB pixels, row-major, 3 bytes a pixel (alpha composited on white)."""

    def __init__(self, width, height, rgb):
        self.w, self.h, self.rgb = width, height, rgb

    def px(self, x, y):
        i = 3 * (y * self.w + x)
        return self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]

    def region(self, x0, y0, x1, y1):
        """Rows of (r, g, b) for x0 <= x < x1, y0 <= y < y1, clipped to the image."""
        x0, y0 = max(0, int(x0)), max(0, int(y0))
        x1, y1 = min(self.w, int(x1)), min(self.h, int(y1))
        rows = []
        for y in range(y0, y1):
            b = self.rgb[3 * (y * self.w + x0):3 * (y * self.w + x1)]
            rows.append([(b[k], b[k + 1], b[k + 2]) for k in range(0, len(b), 3)])
        return rows

    def row_bytes(self, y):
        return self.rgb[3 * y * self.w:3 * (y + 1) * self.w]


def read_png(path):
    """Decodes a non-interlaced 8-bit RGB or RGBA PNG (filters 0-4)."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise ValueError('%s: not a PNG file' % path)
    pos, idat, hdr = 8, [], None
    while pos + 8 <= len(data):
        n, = struct.unpack('>I', data[pos:pos + 4])
        typ = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if typ == b'IHDR':
            hdr = struct.unpack('>IIBBBBB', body)
        elif typ == b'IDAT':
            idat.append(body)
        elif typ == b'IEND':
            break
    if hdr is None:
        raise ValueError('%s: no IHDR chunk' % path)
    w, h, depth, ctype, _comp, _filt, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace != 0:
        raise ValueError('%s: unsupported PNG (depth %d, colour type %d, interlace %d)'
                         % (path, depth, ctype, interlace))
    bpp = 3 if ctype == 2 else 4
    stride = w * bpp
    raw = zlib.decompress(b''.join(idat))
    if len(raw) < h * (stride + 1):
        raise ValueError('%s: truncated image data' % path)
    out = bytearray()
    prev = bytearray(stride)
    p = 0
    for _ in range(h):
        ftype = raw[p]
        line = bytearray(raw[p + 1:p + 1 + stride])
        p += 1 + stride
        if ftype == 0:
            pass
        elif ftype == 1:                       # Sub
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif ftype == 2:                       # Up
            line = _swar_add(line, prev, stride)
        elif ftype == 3:                       # Average
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((a + prev[i]) >> 1)) & 255
        elif ftype == 4:                       # Paeth
            if not any(line) and prev[:bpp] * w == prev:
                line = bytearray(prev)         # a uniform row repeated (common)
            else:
                for i in range(stride):
                    if i >= bpp:
                        a, c = line[i - bpp], prev[i - bpp]
                    else:
                        a = c = 0
                    b = prev[i]
                    pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                    if pa <= pb and pa <= pc:
                        pr = a
                    elif pb <= pc:
                        pr = b
                    else:
                        pr = c
                    line[i] = (line[i] + pr) & 255
        else:
            raise ValueError('%s: bad filter type %d' % (path, ftype))
        if bpp == 3:
            out += line
        else:
            for i in range(0, stride, 4):
                al = line[i + 3]
                for k in range(3):
                    out.append((line[i + k] * al + 255 * (255 - al) + 127) // 255)
        prev = line
    return Image(w, h, out)


# ------------------------------------------------------------------ colours

def srgb_to_linear(c):
    c /= 255.0
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def linear_to_srgb(c):
    c = min(1.0, max(0.0, c))
    v = 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055
    return 255.0 * v


def lab(rgb):
    """CIE L*a*b* (D65) of an sRGB colour."""
    r, g, b = (srgb_to_linear(v) for v in rgb)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116
    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def delta_e(c1, c2):
    """CIE76 colour difference of two sRGB colours."""
    return math.dist(lab(c1), lab(c2))


# Machado, Oliveira & Fernandes 2009, severity 1.0, applied to linear RGB.
MACHADO = {
    'deuteranopia': ((0.367322, 0.860646, -0.227968),
                     (0.280085, 0.672501, 0.047413),
                     (-0.011820, 0.042940, 0.968881)),
    'protanopia': ((0.152286, 1.052583, -0.204868),
                   (0.114503, 0.786281, 0.099216),
                   (-0.003882, -0.048116, 1.051998)),
}


def simulate(rgb, kind):
    lin = [srgb_to_linear(v) for v in rgb]
    m = MACHADO[kind]
    return tuple(linear_to_srgb(sum(m[i][k] * lin[k] for k in range(3))) for i in range(3))


def hexcolour(s):
    s = (s or '').strip().lower()
    if re.fullmatch(r'#[0-9a-f]{6}', s):
        return tuple(int(s[k:k + 2], 16) for k in (1, 3, 5))
    if re.fullmatch(r'#[0-9a-f]{3}', s):
        return tuple(int(s[k] * 2, 16) for k in (1, 2, 3))
    m = re.fullmatch(r'rgb\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)', s)
    if m:
        return tuple(int(v) for v in m.groups())
    return None


def mean_colour(pixels):
    n = len(pixels)
    return tuple(sum(p[k] for p in pixels) / n for k in range(3)) if n else (0, 0, 0)


def fmt_rgb(c):
    return '#%02x%02x%02x' % tuple(int(round(v)) for v in c)


# -------------------------------------------------------- cell classifying

def classify(rows):
    """'hatched', 'solid' or 'other: why' for a patch of pixels (rows of RGB).

    hatched: only neutral greys, both white-ish (>= 225) and stripe-grey
    (100-185, the #8c8c8c stripes antialiased) pixels, nothing darker (text
    is), and a diagonal structure: the darkness changes little
    along one diagonal but does change along both axes.
    solid: nearly uniform (per-channel spread small), no stripe structure.
    """
    pix = [p for r in rows for p in r]
    n = len(pix)
    if n < 16 or len(rows) < 4 or len(rows[0]) < 4:
        return 'other: patch too small (%d px)' % n
    neutral = sum(1 for p in pix if max(p) - min(p) <= 18) / n
    white = sum(1 for p in pix if min(p) >= 225) / n
    stripe = sum(1 for p in pix if 100 <= max(p) <= 185 and max(p) - min(p) <= 18) / n
    dark = sum(1 for p in pix if max(p) < 100) / n
    d = [[255 - (p[0] + p[1] + p[2]) / 3 for p in r] for r in rows]
    hh = vv = d1 = d2 = 0.0
    cnt = 0
    for y in range(len(d) - 1):
        a, b = d[y], d[y + 1]
        for x in range(len(a) - 1):
            hh += abs(a[x] - a[x + 1])
            vv += abs(a[x] - b[x])
            d1 += abs(a[x] - b[x + 1])
            d2 += abs(a[x + 1] - b[x])
            cnt += 1
    hh, vv, d1, d2 = hh / cnt, vv / cnt, d1 / cnt, d2 / cnt
    diagonal = min(hh, vv) > 6 and min(d1, d2) < 0.6 * min(hh, vv)
    if neutral >= 0.97 and white >= 0.2 and stripe >= 0.05 and dark <= 0.02 and diagonal:
        return 'hatched'
    med = [sorted(p[k] for p in pix)[n // 2] for k in range(3)]
    near = sum(1 for p in pix if max(abs(p[k] - med[k]) for k in range(3)) <= 12) / n
    if near >= 0.95 and max(hh, vv) < 4:
        return 'solid'
    if dark > 0.02:
        why = 'dark pixels (text or outline?)'
    elif neutral >= 0.97 and stripe >= 0.05 and not diagonal:
        why = 'grey stripes, not diagonal (change h %.0f v %.0f diag %.0f/%.0f)' % (hh, vv, d1, d2)
    elif neutral >= 0.97 and stripe >= 0.05:
        why = 'grey stripes on too little white (%.0f%%)' % (100 * white)
    else:
        why = 'neither uniform (%.0f%% near the median) nor grey stripes' % (100 * near)
    return 'other: ' + why


def cell_patch(img, cell, rows_, cols_, ox=0.0, oy=0.0, scale=1.0):
    """The pixels of a cell away from its outline and its centred value text.

    Small matrices (<= 12x12) print the value centred in the cell, so only the
    band above the text is used: inset 3 px from the outline, down to 30% of
    the cell's height. Larger ones: the whole cell, inset 3 px."""
    x = ox + scale * float(cell.get('x'))
    y = oy + scale * float(cell.get('y'))
    w = scale * float(cell.get('width'))
    h = scale * float(cell.get('height'))
    inset = 3
    x0, x1 = math.ceil(x + inset), math.floor(x + w - inset)
    y0 = math.ceil(y + inset)
    if rows_ <= 12 and cols_ <= 12:
        y1 = math.floor(y + max(0.3 * h, inset + 6))
    else:
        y1 = math.floor(y + h - inset)
    return img.region(x0, y0, x1, y1)


# ---------------------------------------------------------------- chromium

def find_chromium(explicit=None):
    if explicit:
        if shutil.which(explicit):
            return shutil.which(explicit)
        raise SetupError('--chromium %s: no such program' % explicit)
    for name in [os.environ.get('CHROMIUM'), 'chromium', 'chromium-browser',
                 'google-chrome', 'google-chrome-stable']:
        if name:
            path = shutil.which(name)
            if path:
                return path
    raise SetupError('chromium not found: run "apt-get install -y chromium fonts-dejavu-core" '
                     'as root (or sh tests/run_render.sh), or pass --chromium PATH')


class Renderer:
    def __init__(self, chromium, workdir, verbose=False):
        self.chromium = chromium
        self.workdir = workdir
        self.verbose = verbose
        self.runs = 0
        self.seconds = 0.0
        self.calibrated = {}

    def _run(self, args, timeout=RENDER_TIMEOUT):
        profile = tempfile.mkdtemp(prefix='chromium-profile-', dir=self.workdir)
        cmd = [self.chromium, '--headless', '--no-sandbox', '--disable-gpu',
               '--hide-scrollbars', '--force-device-scale-factor=1',
               '--no-first-run', '--no-default-browser-check', '--disable-extensions',
               '--disable-sync', '--mute-audio', '--user-data-dir=' + profile] + args
        if self.verbose:
            print('  $ ' + ' '.join(cmd), file=sys.stderr)
        t0 = time.time()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)   # chromium and its own children
            proc.communicate()
            raise SetupError('chromium timed out after %ds: %s' % (timeout, ' '.join(args)))
        finally:
            self.runs += 1
            self.seconds += time.time() - t0
            shutil.rmtree(profile, ignore_errors=True)
        return proc.returncode, out, err

    def screenshot(self, path, width, height, png):
        if os.path.exists(png):
            os.unlink(png)
        rc, _out, err = self._run(['--window-size=%d,%d' % (width, height),
                                   '--screenshot=' + png, 'file://' + os.path.abspath(path)])
        if rc != 0 or not os.path.exists(png):
            tail = [l for l in err.decode(errors='replace').splitlines()
                    if 'dbus' not in l and 'unexpected operator' not in l][-3:]
            raise SetupError('chromium made no screenshot of %s (status %d): %s'
                             % (path, rc, ' | '.join(tail)))
        img = read_png(png)
        if (img.w, img.h) != (width, height):
            raise SetupError('chromium made a %dx%d screenshot for a %dx%d window (%s)'
                             % (img.w, img.h, width, height, png))
        return img

    def dump_dom(self, path, width, height):
        rc, out, err = self._run(['--window-size=%d,%d' % (width, height),
                                  '--virtual-time-budget=2000', '--dump-dom',
                                  'file://' + os.path.abspath(path)])
        if rc != 0:
            raise SetupError('chromium --dump-dom failed on %s (status %d)' % (path, rc))
        return out.decode('utf-8', errors='replace')

    def calibrate(self, width, height):
        """Renders a marker SVG of this size and checks that SVG user-space pixel
        (x, y) lands on PNG pixel (x, y): no margin, no offset, no scaling."""
        key = (width, height)
        if key in self.calibrated:
            return self.calibrated[key]
        svg = os.path.join(self.workdir, 'calibrate-%dx%d.svg' % key)
        marks = [(0, 0, '#ff0000'), (width - 4, 0, '#00ff00'), (0, height - 4, '#0000ff'),
                 (width - 4, height - 4, '#ff00ff'), (width // 2, height // 2, '#000000')]
        with open(svg, 'w') as f:
            f.write('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
                    'viewBox="0 0 %d %d"><rect width="%d" height="%d" fill="#ffffff"/>'
                    % (width, height, width, height, width, height))
            for x, y, c in marks:
                f.write('<rect x="%d" y="%d" width="4" height="4" fill="%s"/>' % (x, y, c))
            f.write('</svg>\n')
        img = self.screenshot(svg, width, height, svg[:-4] + '.png')
        problems = []
        for x, y, c in marks:
            want = hexcolour(c)
            for dx, dy in ((0, 0), (3, 3)):
                got = img.px(x + dx, y + dy)
                if max(abs(got[k] - want[k]) for k in range(3)) > 8:
                    problems.append('(%d,%d) is %s not %s' % (x + dx, y + dy, fmt_rgb(got), c))
            for dx, dy in ((-1, 1), (4, 1), (1, -1), (1, 4)):
                xx, yy = x + dx, y + dy
                if 0 <= xx < width and 0 <= yy < height and img.px(xx, yy) != (255, 255, 255):
                    problems.append('(%d,%d) next to a %s marker is %s'
                                    % (xx, yy, c, fmt_rgb(img.px(xx, yy))))
        self.calibrated[key] = problems
        return problems


# ---------------------------------------------------------------- parsing

def svg_size(root):
    try:
        w, h = int(root.get('width')), int(root.get('height'))
    except (TypeError, ValueError):
        raise ValueError('root <svg> width/height are not integers: %r x %r'
                         % (root.get('width'), root.get('height')))
    vb = (root.get('viewBox') or '').replace(',', ' ').split()
    if [float(v) for v in vb] != [0, 0, w, h]:
        raise ValueError('viewBox %r is not "0 0 %d %d"' % (root.get('viewBox'), w, h))
    return w, h


def by_class(root, cls, tag=None):
    return [e for e in root.iter()
            if cls in (e.get('class') or '').split()
            and (tag is None or e.tag in (tag, SVGNS + tag))]


def panels_of(root):
    out = []
    for g in by_class(root, 'panel', 'g'):
        cells = by_class(g, 'cell', 'rect')
        out.append({'el': g, 'head': g.get('data-head'), 'layer': g.get('data-layer'),
                    'rows': int(g.get('data-rows')), 'cols': int(g.get('data-cols')),
                    'target': g.get('data-target'), 'cells': cells})
    return out


VOID = {'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta',
        'param', 'source', 'track', 'wbr'}
OPTIONAL_END = {'p', 'li', 'dt', 'dd', 'option', 'optgroup', 'tr', 'td', 'th', 'thead',
                'tbody', 'tfoot', 'colgroup', 'caption', 'rt', 'rp', 'html', 'head', 'body'}


class StrictHTML(HTMLParser):
    """html.parser never raises; this one records what a validator would call
    errors: stray or misnested end tags, unclosed elements, no doctype, and
    what makes a page not self-contained (scripts, handlers, remote URLs)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.errors, self.stack, self.doctype = [], [], None
        self.ids = set()

    def _where(self):
        return 'line %d' % self.getpos()[0]

    def handle_decl(self, decl):
        self.doctype = decl

    def _attrs(self, tag, attrs):
        for k, v in attrs:
            if k == 'id':
                if v in self.ids:
                    self.errors.append('duplicate id="%s" at %s (inline SVGs share one '
                                       'id space)' % (v, self._where()))
                self.ids.add(v)
        if tag == 'script':
            self.errors.append('<script> at %s' % self._where())
        for k, v in attrs:
            if k.startswith('on'):
                self.errors.append('event handler %s= at %s' % (k, self._where()))
            if k in ('src', 'href', 'xlink:href', 'srcset', 'action', 'data', 'poster') and v:
                if not (v.startswith('#') or v.startswith('data:')):
                    self.errors.append('external resource %s="%s" on <%s> at %s'
                                       % (k, v[:60], tag, self._where()))
            if k == 'style' and v and re.search(r'url\(\s*[\'"]?(?!#|data:)', v):
                self.errors.append('url() in a style attribute at %s' % self._where())

    def handle_starttag(self, tag, attrs):
        self._attrs(tag, attrs)
        if tag == 'link':
            self.errors.append('<link> at %s' % self._where())
        if tag not in VOID:
            self.stack.append((tag, self.getpos()[0]))

    def handle_startendtag(self, tag, attrs):
        self._attrs(tag, attrs)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        names = [t for t, _ in self.stack]
        if tag not in names:
            self.errors.append('stray </%s> at %s' % (tag, self._where()))
            return
        while self.stack and self.stack[-1][0] != tag:
            t, line = self.stack.pop()
            if t not in OPTIONAL_END:
                self.errors.append('<%s> from line %d closed by </%s> at %s'
                                   % (t, line, tag, self._where()))
        self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1][0] == 'style':
            if re.search(r'@import|url\(\s*[\'"]?(?!#|data:)', data):
                self.errors.append('@import or url() in <style> at %s' % self._where())

    def finish(self):
        self.close()
        for t, line in self.stack:
            if t not in OPTIONAL_END:
                self.errors.append('<%s> from line %d never closed' % (t, line))
        if not self.doctype or self.doctype.strip().lower() != 'doctype html':
            self.errors.append('no <!DOCTYPE html> (got %r)' % self.doctype)
        return self.errors


def inline_svgs(page):
    """The text of each top-level <svg>...</svg> of an HTML page."""
    out, pos = [], 0
    while True:
        m = re.compile(r'<svg[\s>]', re.I).search(page, pos)
        if not m:
            return out
        depth, i = 0, m.start()
        tag = re.compile(r'<(/?)svg[\s>/]', re.I)
        while True:
            t = tag.search(page, i)
            if not t:
                out.append(page[m.start():])
                return out
            depth += -1 if t.group(1) else 1
            i = t.end()
            if depth == 0:
                end = page.index('>', t.start()) + 1
                out.append(page[m.start():end])
                pos = end
                break


# ------------------------------------------------------------------ gradexp

class Gradexp:
    def __init__(self, exe, workdir):
        self.exe = os.path.abspath(exe) if os.sep in exe else exe
        self.workdir = workdir

    def run(self, args, timeout=120):
        p = subprocess.run([self.exe] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, cwd=self.workdir)
        return p.returncode, p.stdout, p.stderr.decode(errors='replace').strip()

    def plot(self, args, name):
        """Runs gradexp ARGS --plot DIR/name; returns (path, text) or raises."""
        path = os.path.join(self.workdir, name)
        if os.path.exists(path):
            os.unlink(path)
        rc, _out, err = self.run(args + ['--plot', path])
        if rc != 0:
            raise CheckFailed('gradexp %s --plot %s exited %d: %s'
                              % (' '.join(args), name, rc, err.splitlines()[-1] if err else ''))
        if not os.path.exists(path):
            raise CheckFailed('gradexp %s --plot %s wrote no file' % (' '.join(args), name))
        with open(path, encoding='utf-8') as f:
            return path, f.read()

    def values(self, args):
        """{tensor name: values} of gradexp ARGS --format json (exact floats)."""
        rc, out, err = self.run(args + ['--format', 'json'])
        if rc != 0:
            raise CheckFailed('gradexp %s --format json exited %d: %s' % (' '.join(args), rc, err))
        return {t['name']: t['values'] for t in json.loads(out)['tensors']}


class CheckFailed(Exception):
    pass


# ------------------------------------------------------------------- checks

class Suite:
    def __init__(self, gradexp, renderer, outdir):
        self.g, self.r, self.out = gradexp, renderer, outdir
        self.passed, self.failed = 0, 0
        self.pngs = []
        self.blog = None
        self.min_font = self.ink = 0

    def report(self, name, problems, detail=''):
        if problems:
            self.failed += 1
            for p in problems:
                print('FAIL %s: %s' % (name, p))
        else:
            self.passed += 1
            print('ok   %s%s' % (name, (': ' + detail) if detail else ''))
        sys.stdout.flush()

    def check(self, name, fn, *args):
        try:
            res = fn(*args)
        except SetupError:
            raise
        except CheckFailed as e:
            self.report(name, [str(e)])
            return None
        except subprocess.TimeoutExpired as e:
            self.report(name, ['timed out after %ds: %s' % (e.timeout, ' '.join(e.cmd))])
            return None
        except Exception as e:        # a parse error, a missing attribute, ...: one line
            self.report(name, ['%s: %s' % (type(e).__name__, e)])
            return None
        problems, detail = res if isinstance(res, tuple) else (res, '')
        self.report(name, problems, detail)
        return not problems

    # -- rendering helpers

    def render_svg(self, path):
        root = ET.parse(path).getroot()
        if root.tag != SVGNS + 'svg':
            raise CheckFailed('%s: root element is %s, not an SVG <svg>' % (path, root.tag))
        w, h = svg_size(root)
        cal = self.r.calibrate(w, h)
        if cal:
            raise SetupError('chromium does not map SVG pixels 1:1 at %dx%d: %s'
                             % (w, h, '; '.join(cal[:3])))
        png = os.path.splitext(path)[0] + '.png'
        img = self.r.screenshot(path, w, h, png)
        self.pngs.append(png)
        return root, img

    # -- per-cell verdicts

    def cells_against_values(self, label, img, panels, values, ox=0.0, oy=0.0, scale=1.0):
        """Every cell: hatched <=> its exact value is 0; cells with |v| >= 25% of
        the largest |v| shown are red when positive, blue when negative."""
        problems, verdicts = [], {}
        vmax = 0.0
        for pn in panels:
            vals = self.panel_values(pn, values)
            if vals is not None:
                vmax = max([vmax] + [abs(v) for row in vals for v in row if isinstance(v, float)])
        for pn in panels:
            vals = self.panel_values(pn, values)
            name = '%s panel %s layer %s' % (label, pn['head'], pn['layer'])
            if vals is None:
                problems.append('%s: no tensor %s.grad[%s] in --format json'
                                % (name, pn['head'], pn['layer']))
                continue
            if len(pn['cells']) != pn['rows'] * pn['cols']:
                problems.append('%s: %d cells for data-rows %d x data-cols %d'
                                % (name, len(pn['cells']), pn['rows'], pn['cols']))
            if (len(vals), len(vals[0]) if vals else 0) != (pn['rows'], pn['cols']):
                problems.append('%s: data-rows/cols %dx%d but W.grad is %dx%d'
                                % (name, pn['rows'], pn['cols'], len(vals),
                                   len(vals[0]) if vals else 0))
                continue
            bad = []
            for c in pn['cells']:
                i, j = int(c.get('data-row')), int(c.get('data-col'))
                patch = cell_patch(img, c, pn['rows'], pn['cols'], ox, oy, scale)
                kind = classify(patch)
                verdicts[(pn['head'], pn['layer'], i, j)] = kind
                v = vals[i][j]
                zero = isinstance(v, float) and v == 0.0
                want = 'hatched' if zero else 'solid'
                if kind != want:
                    bad.append('cell (%d,%d) = %r looks %s, want %s' % (i, j, v, kind, want))
                    continue
                if not zero and vmax > 0 and abs(v) >= 0.25 * vmax:
                    col = mean_colour([p for r in patch for p in r])
                    if v > 0 and not col[0] > col[2] + 15:
                        bad.append('cell (%d,%d) = %.4g is positive but %s is not red'
                                   % (i, j, v, fmt_rgb(col)))
                    if v < 0 and not col[2] > col[0] + 15:
                        bad.append('cell (%d,%d) = %.4g is negative but %s is not blue'
                                   % (i, j, v, fmt_rgb(col)))
            if bad:
                problems.append('%s: %s%s' % (name, '; '.join(bad[:3]),
                                              ' (+%d more)' % (len(bad) - 3) if len(bad) > 3 else ''))
        return problems, verdicts

    @staticmethod
    def panel_values(pn, values):
        """The exact W.grad of a panel: HEAD.gradLAYER, or HEAD.grad for layer 1
        of a network without hidden layers."""
        names = ['%s.grad%s' % (pn['head'], pn['layer'])] if pn['layer'] else []
        if pn['layer'] in (None, '', '1'):
            names.append('%s.grad' % pn['head'])
        for name in names:
            v = values.get(name)
            if isinstance(v, list) and v and isinstance(v[0], list):
                return v
        return None

    # -- a. the blog's figure

    def check_blog(self):
        path, _text = self.g.plot([], 'blog.svg')
        root, img = self.render_svg(path)
        self.blog = (path, root, img)
        problems = []
        panels = panels_of(root)
        heads = [p['head'] for p in panels]
        if sorted(heads) != ['sigmoid', 'softmax']:
            return ['panels are for heads %s, want one sigmoid and one softmax' % heads]
        target = 1
        sig = next(p for p in panels if p['head'] == 'sigmoid')
        soft = next(p for p in panels if p['head'] == 'softmax')
        for pn in (sig, soft):
            if (pn['rows'], pn['cols']) != (3, 5) or len(pn['cells']) != 15:
                problems.append('%s panel is %sx%s with %d cells, want 3x5 (15)'
                                % (pn['head'], pn['rows'], pn['cols'], len(pn['cells'])))
            if pn['target'] not in (None, str(target)):
                problems.append('%s panel data-target=%s, want %d'
                                % (pn['head'], pn['target'], target))
        if problems:
            return problems
        wrong = []
        for c in sig['cells']:
            i, j = int(c.get('data-row')), int(c.get('data-col'))
            kind = classify(cell_patch(img, c, 3, 5))
            want = 'solid' if i == target else 'hatched'
            if kind != want:
                wrong.append('(%d,%d) %s' % (i, j, kind))
        if wrong:
            problems.append('sigmoid panel: rows != %d must be hatched and row %d solid; '
                            'wrong: %s%s' % (target, target, ', '.join(wrong[:3]),
                                             ' (+%d more)' % (len(wrong) - 3) if len(wrong) > 3 else ''))
        hatched = [(int(c.get('data-row')), int(c.get('data-col'))) for c in soft['cells']
                   if classify(cell_patch(img, c, 3, 5)) == 'hatched']
        if hatched:
            problems.append('softmax panel: cells %s look hatched (no softmax grad is 0)' % hatched)
        if not problems:   # the same cells against the exact values, and the signs
            problems, _ = self.cells_against_values('blog', img, panels, self.g.values([]))
        return problems, '10 hatched + 5 solid sigmoid cells, 15 solid softmax cells (%s)' \
            % os.path.basename(path[:-4] + '.png')

    # -- b. --plot - is --plot FILE

    def check_stdout(self):
        path, text = self.g.plot([], 'blog-file.svg')
        rc, out, err = self.g.run(['--plot', '-'])
        if rc != 0:
            return ['gradexp --plot - exited %d: %s' % (rc, err)]
        if out != text.encode('utf-8'):
            n = next((k for k in range(min(len(out), len(text.encode()))) if out[k] != text.encode()[k]),
                     min(len(out), len(text.encode())))
            return ['gradexp --plot - wrote %d bytes, --plot FILE %d; first difference at byte %d'
                    % (len(out), len(text.encode()), n)]
        ET.fromstring(out)
        return [], '%d identical bytes, parses as XML' % len(out)

    # -- c. --steps: curves

    def check_curves(self):
        args = ['--steps', '20']
        path, _ = self.g.plot(args, 'steps.svg')
        root, img = self.render_svg(path)
        problems = []
        groups = by_class(root, 'curves', 'g')
        if len(groups) != 1:
            return ['%d <g class="curves"> groups, want 1' % len(groups)]
        area = by_class(groups[0], 'plot-area', 'rect')
        if len(area) != 1:
            return ['%d plot-area rects, want 1' % len(area)]
        ax, ay = float(area[0].get('x')), float(area[0].get('y'))
        aw, ah = float(area[0].get('width')), float(area[0].get('height'))
        curves = by_class(groups[0], 'curve', 'polyline')
        heads = [c.get('data-head') for c in curves]
        if sorted(heads) != ['sigmoid', 'softmax']:
            problems.append('curves for heads %s, want one sigmoid and one softmax' % heads)
        strokes = {}
        for c in curves:
            col = hexcolour(c.get('stroke'))
            if col is None:
                problems.append('curve %s: stroke %r is not #rrggbb' % (c.get('data-head'), c.get('stroke')))
            else:
                strokes[c.get('data-head')] = col
        # The whole plot area, its outline included: a curve at the data's
        # minimum or maximum runs along the edge (half its stroke outside).
        patch = img.region(math.floor(ax), math.floor(ay), math.ceil(ax + aw) + 1,
                           math.ceil(ay + ah) + 1)
        found = {}
        for head, col in strokes.items():
            others = [o for h, o in strokes.items() if h != head]
            n = 0
            cols_hit = set()
            for y, row in enumerate(patch):
                for x, p in enumerate(row):
                    dist = math.dist(p, col)
                    if dist <= 60 and all(dist < math.dist(p, o) for o in others):
                        n += 1
                        cols_hit.add(x)
            found[head] = (n, len(cols_hit))
            if len(cols_hit) < 0.5 * aw:
                problems.append('curve %s (%s): its colour shows in %d of %d pixel columns of '
                                'the plot area (want >= half)'
                                % (head, fmt_rgb(col), len(cols_hit), int(aw)))
        heads_ = list(strokes)
        for a in range(len(heads_)):
            for b in range(a + 1, len(heads_)):
                ca, cb = strokes[heads_[a]], strokes[heads_[b]]
                for kind in ('deuteranopia',):
                    de = delta_e(simulate(ca, kind), simulate(cb, kind))
                    if de < CVD_MIN_DE:
                        problems.append('curves %s %s and %s %s differ by only dE %.1f under %s'
                                        % (heads_[a], fmt_rgb(ca), heads_[b], fmt_rgb(cb), de, kind))
        more, _ = self.cells_against_values('steps', img, panels_of(root), self.g.values(args))
        return problems + more, ', '.join('%s %s in %d columns' % (h, fmt_rgb(strokes[h]), found[h][1])
                                          for h in found)

    # -- d. hidden layers

    def check_hidden(self):
        args = ['--hidden', '4']
        path, _ = self.g.plot(args, 'hidden.svg')
        root, img = self.render_svg(path)
        panels = panels_of(root)
        got = sorted((p['head'] or '', p['layer'] or '') for p in panels)
        want = sorted((h, l) for h in ('sigmoid', 'softmax') for l in ('1', '2'))
        problems = []
        if got != want:
            problems.append('panels (head, layer) %s, want %s' % (got, want))
        more, verdicts = self.cells_against_values('hidden', img, panels, self.g.values(args))
        nh = sum(1 for v in verdicts.values() if v == 'hatched')
        return problems + more, '%d panels, %d cells (%d hatched) as --format json says' \
            % (len(panels), len(verdicts), nh)

    # -- e. the HTML lesson

    def check_html(self):
        rc, out, err = self.g.run(['--format', 'html'])
        if rc != 0:
            return ['gradexp --format html exited %d: %s' % (rc, err)]
        page = out.decode('utf-8')
        path = os.path.join(self.out, 'lesson.html')
        with open(path, 'w', encoding='utf-8') as f:
            f.write(page)
        problems = []
        hp = StrictHTML()
        hp.feed(page)
        errs = hp.finish()
        problems += ['html.parser: %s' % e for e in errs[:6]]
        svgs = inline_svgs(page)
        if not svgs:
            problems.append('no inline <svg> in the page')
        roots = []
        for k, s in enumerate(svgs):
            try:
                roots.append(ET.fromstring(s))
            except ET.ParseError as e:
                problems.append('inline svg #%d is not XML: %s' % (k + 1, e))
        inline_panels = [p for r in roots for p in panels_of(r)]
        if sorted(p['head'] for p in inline_panels) != ['sigmoid', 'softmax']:
            problems.append('inline figures have panels for %s, want the blog figure\'s '
                            'sigmoid and softmax' % [p['head'] for p in inline_panels])
        # Layout, measured by the browser itself on a copy with a probe script
        # (the page under test stays script-free).
        m = self.measure(page)
        if m is None:
            return problems + ['the browser measurement of the page failed']
        height = min(MAX_PAGE_HEIGHT, max(600, int(math.ceil(m['scrollHeight']))))
        if m['scrollWidth'] > HTML_WIDTH:
            problems.append('the page is %dpx wide at a %dpx window: it scrolls sideways'
                            % (m['scrollWidth'], HTML_WIDTH))
        png = os.path.join(self.out, 'lesson.png')
        img = self.r.screenshot(path, HTML_WIDTH, height, png)
        self.pngs.append(png)
        # Text size.
        problems += self.text_problems(m, img)
        # The figures, found from pixels alone.
        tiles = self.scan_tiles(img)
        if tiles['hatched'] < 4:
            problems.append('only %d hatch-patterned tiles on the page (want >= 4)' % tiles['hatched'])
        if tiles['red'] < 1 or tiles['blue'] < 1:
            problems.append('solid diverging colours missing on the page: %d red, %d blue tiles'
                            % (tiles['red'], tiles['blue']))
        # The same cells as in the SVG, where the browser put them.
        vals = self.g.values([])
        placed = []
        for k, r in enumerate(roots):
            if k >= len(m['svgs']):
                break
            left, top, width, _h = m['svgs'][k]
            try:
                w, _ = svg_size(r)
            except ValueError as e:
                problems.append('inline svg #%d: %s' % (k + 1, e))
                continue
            scale = width / w if w else 1
            if not panels_of(r):
                continue
            if scale < 0.75:
                problems.append('inline svg #%d is shown at %.0f%% of its size: too small to read'
                                % (k + 1, 100 * scale))
                continue
            more, verdicts = self.cells_against_values('html svg #%d' % (k + 1), img,
                                                       panels_of(r), vals, left, top, scale)
            problems += more
            placed.append('svg #%d at (%.0f,%.0f) %.0f%% size, %d cells'
                          % (k + 1, left, top, 100 * scale, len(verdicts)))
        detail = ('%dx%d page, %d hatched / %d red / %d blue tiles around %s; body %.0fpx, '
                  'reading text >= %.1fpx, prose line ink %.0fpx; %s'
                  % (HTML_WIDTH, height, tiles['hatched'], tiles['red'], tiles['blue'],
                     tiles['box'], m['bodyFont'], self.min_font, self.ink, '; '.join(placed)))
        return problems, detail

    PROBE = r'''<script>
(function () {
  function run() {
    var de = document.documentElement, r = {};
    r.scrollHeight = Math.max(de.scrollHeight, document.body.scrollHeight);
    r.scrollWidth = Math.max(de.scrollWidth, document.body.scrollWidth);
    r.bodyFont = parseFloat(getComputedStyle(document.body).fontSize);
    r.svgs = [];
    document.querySelectorAll('svg').forEach(function (s) {
      if (s.parentElement && s.parentElement.closest('svg')) return;
      var b = s.getBoundingClientRect();
      r.svgs.push([b.left + scrollX, b.top + scrollY, b.width, b.height]);
    });
    r.runs = [];
    var w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    var n;
    while ((n = w.nextNode())) {
      var t = n.nodeValue.replace(/\s+/g, '');
      var el = n.parentElement;
      if (!t || el.closest('svg,script,style,title,noscript')) continue;
      var cs = getComputedStyle(el);
      if (cs.display === 'none' || cs.visibility === 'hidden') continue;
      var mono = /mono|courier|consolas|menlo/i.test(cs.fontFamily) || !!el.closest('pre,code,kbd,samp,tt');
      var rg = document.createRange(); rg.selectNodeContents(n);
      var rects = [];
      var rs = rg.getClientRects();
      for (var i = 0; i < rs.length && rects.length < 40; i++)
        if (rs[i].width > 40) rects.push([rs[i].left + scrollX, rs[i].top + scrollY, rs[i].width, rs[i].height]);
      r.runs.push({tag: el.tagName.toLowerCase(), chars: t.length, px: parseFloat(cs.fontSize),
                   mono: mono, heading: !!el.closest('h1,h2,h3,h4,h5,h6'), rects: rects,
                   sample: n.nodeValue.replace(/\s+/g, ' ').trim().slice(0, 30)});
    }
    var pre = document.createElement('pre');
    pre.id = '__render_check__';
    pre.textContent = JSON.stringify(r);
    document.body.appendChild(pre);
  }
  if (document.readyState === 'complete') run(); else window.addEventListener('load', run);
})();
</script>'''

    def measure(self, page):
        probe = os.path.join(self.out, 'lesson-probe.html')
        i = page.lower().rfind('</body>')
        with open(probe, 'w', encoding='utf-8') as f:
            f.write(page[:i] + self.PROBE + page[i:] if i >= 0 else page + self.PROBE)
        dom = self.r.dump_dom(probe, HTML_WIDTH, 900)
        m = re.search(r'<pre id="__render_check__">(.*?)</pre>', dom, re.S)
        if not m:
            return None
        txt = m.group(1).replace('&lt;', '<').replace('&gt;', '>').replace('&quot;', '"') \
                        .replace('&amp;', '&')
        return json.loads(txt)

    def text_problems(self, m, img):
        """Body font >= 18px; every prose run >= 18px and monospace (pre/code)
        >= 16px, as computed by the browser; and the ink of rendered prose
        lines (top of ascenders to bottom of descenders, from pixels) tall."""
        problems = []
        if m['bodyFont'] < 18:
            problems.append('body font-size computes to %.1fpx, want >= 18px' % m['bodyFont'])
        small = {}
        self.min_font = min([r['px'] for r in m['runs']] or [0])
        for r in m['runs']:
            need = 16 if r['mono'] else 18
            if r['px'] < need:
                key = '<%s>%s %.1fpx' % (r['tag'], ' (monospace)' if r['mono'] else '', r['px'])
                small.setdefault(key, [0, r['sample']])[0] += r['chars']
        for key, (chars, sample) in sorted(small.items()):
            problems.append('text in %s (%d characters, e.g. "%s"), want >= %dpx'
                            % (key, chars, sample, 16 if 'monospace' in key else 18))
        inks = []
        for r in m['runs']:
            if r['mono'] or r['heading'] or r['chars'] < 20:
                continue
            for x, y, w, h in r['rects']:
                rows = [yy for yy in range(int(y), min(img.h, int(math.ceil(y + h))))
                        if any(sum(p) < 3 * 160 for p in img.region(x, yy, x + w, yy + 1)[0])]
                if rows:
                    inks.append(rows[-1] - rows[0] + 1)
        inks.sort()
        self.ink = inks[len(inks) // 2] if inks else 0
        if not inks:
            problems.append('no rendered prose line found to measure (is all text in <pre>?)')
        elif self.ink < 15:
            problems.append('the median prose line is %dpx of ink top to bottom (an 18px '
                            'DejaVu Sans line is ~18px), text renders small' % self.ink)
        return problems

    @staticmethod
    def pixel_codes(img):
        """One letter a pixel, a string a row: W white-ish neutral, S stripe-grey
        neutral, L light grey, D dark, R strong red, B strong blue, . anything else."""
        cache = {}

        def code(t):
            r, g, b = t
            if max(t) - min(t) <= 18:
                v = max(t)
                return 'W' if min(t) >= 225 else 'S' if v >= 100 and v <= 185 else \
                    'D' if v < 100 else 'L'
            return 'R' if r - b >= 60 else 'B' if b - r >= 60 else '.'
        rows = []
        for y in range(img.h):
            row = img.row_bytes(y)
            out = []
            for t in zip(row[0::3], row[1::3], row[2::3]):
                c = cache.get(t)
                if c is None:
                    c = cache[t] = code(t)
                out.append(c)
            rows.append(''.join(out))
        return rows

    def scan_tiles(self, img, size=10):
        """Counts 10x10 tiles (stepping 5 px) that classify as hatched, or as
        solid strong red / strong blue. A per-pixel letter map picks the
        candidates; classify() has the last word on each."""
        res = {'hatched': 0, 'red': 0, 'blue': 0}
        box = [img.w, img.h, 0, 0]
        codes = self.pixel_codes(img)
        step, area = size // 2, size * size
        for ty in range(0, img.h - size + 1, step):
            band = codes[ty:ty + size]
            if all(r.count('W') == img.w for r in band):
                continue
            for tx in range(0, img.w - size + 1, step):
                seg = [r[tx:tx + size] for r in band]
                n = {c: sum(s.count(c) for s in seg) for c in 'WSLDRB'}
                hit = None
                if n['S'] >= 0.05 * area and n['W'] >= 0.2 * area and n['D'] == 0 \
                        and n['W'] + n['S'] + n['L'] >= 0.97 * area:
                    if classify(img.region(tx, ty, tx + size, ty + size)) == 'hatched':
                        hit = 'hatched'
                elif n['R'] == area or n['B'] == area:
                    if classify(img.region(tx, ty, tx + size, ty + size)) == 'solid':
                        hit = 'red' if n['R'] else 'blue'
                if hit:
                    res[hit] += 1
                    box = [min(box[0], tx), min(box[1], ty), max(box[2], tx + size),
                           max(box[3], ty + size)]
        res['box'] = 'x %d-%d y %d-%d' % (box[0], box[2], box[1], box[3]) if box[2] else 'nowhere'
        return res

    # -- f. the colour bar

    def check_colorbar(self):
        if not self.blog:
            path, _ = self.g.plot([], 'blog.svg')
            root, img = self.render_svg(path)
        else:
            path, root, img = self.blog
        bars = by_class(root, 'colorbar', 'g')
        if len(bars) != 1:
            return ['%d <g class="colorbar"> groups, want 1' % len(bars)]
        rects = [r for r in bars[0].iter() if r.tag in ('rect', SVGNS + 'rect')]
        grad = [r for r in rects if (r.get('fill') or '').startswith('url(')] or rects
        if not grad:
            return ['no rect in the colour bar']
        r = max(grad, key=lambda e: float(e.get('width', 0)) * float(e.get('height', 0)))
        x, y = float(r.get('x', 0)), float(r.get('y', 0))
        w, h = float(r.get('width')), float(r.get('height'))
        vertical = h >= w
        length = h if vertical else w
        across = w if vertical else h
        if across < 6 or length < 40:
            return ['colour bar rect %gx%g is too small to sample' % (w, h)]

        def patch(t0, t1):
            a0, a1 = (x, x + w) if vertical else (y, y + h)
            a0, a1 = a0 + 0.25 * across, a1 - 0.25 * across
            if vertical:
                return [p for row in img.region(a0, y + t0, a1, y + t1) for p in row]
            return [p for row in img.region(x + t0, a0, x + t1, a1) for p in row]
        ends = [mean_colour(patch(3, 7)), mean_colour(patch(length - 7, length - 3))]
        mid = mean_colour(patch(length / 2 - 2, length / 2 + 2))
        problems = []
        red = [c for c in ends if c[0] > c[2] + 40 and c[0] > c[1]]
        blue = [c for c in ends if c[2] > c[0] + 40 and c[2] >= c[1]]
        if len(red) != 1 or len(blue) != 1:
            problems.append('the colour bar ends %s and %s are not one red and one blue'
                            % (fmt_rgb(ends[0]), fmt_rgb(ends[1])))
        lm = lab(mid)[0]
        for c in ends:
            if lm - lab(c)[0] < 30:
                problems.append('the end %s (L* %.0f) is not much darker than the centre %s '
                                '(L* %.0f): magnitude is not readable as lightness'
                                % (fmt_rgb(c), lab(c)[0], fmt_rgb(mid), lm))
        if lm < 85:
            problems.append('the centre of the colour bar %s (L* %.0f) is not near white'
                            % (fmt_rgb(mid), lm))
        info = []
        for kind in ('deuteranopia', 'protanopia'):
            s0, s1, sm = simulate(ends[0], kind), simulate(ends[1], kind), simulate(mid, kind)
            de = delta_e(s0, s1)
            info.append('%s dE %.0f' % (kind, de))
            if de < CVD_MIN_DE:
                problems.append('under simulated %s the ends %s and %s become %s and %s, only '
                                'dE %.1f apart' % (kind, fmt_rgb(ends[0]), fmt_rgb(ends[1]),
                                                   fmt_rgb(s0), fmt_rgb(s1), de))
            for s in (s0, s1):
                if delta_e(s, sm) < 30:
                    problems.append('under simulated %s an end %s is close to the centre %s'
                                    % (kind, fmt_rgb(s), fmt_rgb(sm)))
        return problems, 'ends %s (L* %.0f) / %s (L* %.0f), centre %s (L* %.0f); %s' % (
            fmt_rgb(ends[0]), lab(ends[0])[0], fmt_rgb(ends[1]), lab(ends[1])[0],
            fmt_rgb(mid), lm, ', '.join(info))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--gradexp', default='./gradexp', help='the gradexp binary (default ./gradexp)')
    ap.add_argument('--out', default=None, help='directory for the SVGs, PNGs and HTML '
                    '(default: a new directory under /tmp, kept)')
    ap.add_argument('--chromium', default=None, help='the browser (default: chromium on PATH)')
    ap.add_argument('--only', default='abcdef', help='which checks to run, e.g. "ae" (default all)')
    ap.add_argument('-v', '--verbose', action='store_true', help='print the chromium commands')
    a = ap.parse_args(argv)
    t0 = time.time()
    try:
        out = os.path.abspath(a.out or tempfile.mkdtemp(prefix='gradexp-render-'))
        os.makedirs(out, exist_ok=True)
    except OSError as e:
        print('render: cannot make the output directory: %s' % e, file=sys.stderr)
        return 2
    try:
        chromium = find_chromium(a.chromium)
    except SetupError as e:
        print('render: %s' % e, file=sys.stderr)
        return 2
    exe = a.gradexp
    if not (shutil.which(exe) or os.path.exists(exe)):
        print('render: no gradexp at %s (build it with make)' % exe, file=sys.stderr)
        return 2
    suite = Suite(Gradexp(exe, out), Renderer(chromium, out, a.verbose), out)
    checks = [('a', 'a blog figure', suite.check_blog),
              ('b', 'b --plot -', suite.check_stdout),
              ('c', 'c --steps curves', suite.check_curves),
              ('d', 'd --hidden panels', suite.check_hidden),
              ('e', 'e html lesson', suite.check_html),
              ('f', 'f colour bar', suite.check_colorbar)]
    try:
        for key, name, fn in checks:
            if key in a.only:
                suite.check(name, fn)
    except SetupError as e:
        print('render: renderer unusable: %s' % e, file=sys.stderr)
        print('render: %d passed, %d failed (stopped)' % (suite.passed, suite.failed + 1))
        return 2
    print('render: PNGs in %s (%d chromium runs, %.1fs of %.1fs)'
          % (out, suite.r.runs, suite.r.seconds, time.time() - t0))
    print('render: %d passed, %d failed' % (suite.passed, suite.failed))
    return 1 if suite.failed else 0


if __name__ == '__main__':
    sys.exit(main())
