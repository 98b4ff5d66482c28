// Tether's icon, drawn by code: a ring with a dot inside on a blue square that fills the whole
// canvas (so the PNG also works as a "maskable" icon). The SVG and the PNGs share one geometry.
import { deflateSync } from "node:zlib";

const BACKGROUND = [0x1f, 0x3a, 0x5f];
const FOREGROUND = [0xff, 0xff, 0xff];
// In units of the icon's size, centred: the ring's radius and half-thickness, the dot's radius.
const RING_RADIUS = 0.24;
const RING_HALF_WIDTH = 0.045;
const DOT_RADIUS = 0.085;

export function svgIcon() {
  const ring = RING_RADIUS * 512;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">
<rect width="512" height="512" fill="#1f3a5f"/>
<circle cx="256" cy="256" r="${ring}" fill="none" stroke="#fff" stroke-width="${RING_HALF_WIDTH * 2 * 512}"/>
<circle cx="256" cy="256" r="${DOT_RADIUS * 512}" fill="#fff"/>
</svg>
`;
}

/** How much of the point (x, y), in [0,1]², is foreground. */
function ink(x, y) {
  const d = Math.hypot(x - 0.5, y - 0.5);
  return Math.abs(d - RING_RADIUS) <= RING_HALF_WIDTH || d <= DOT_RADIUS ? 1 : 0;
}

export function pngIcon(size) {
  const SAMPLES = 4; // per axis, for smooth edges
  const rows = [];
  for (let py = 0; py < size; py++) {
    const row = Buffer.alloc(1 + size * 3); // filter byte 0, then RGB
    for (let px = 0; px < size; px++) {
      let cover = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          cover += ink((px + (sx + 0.5) / SAMPLES) / size, (py + (sy + 0.5) / SAMPLES) / size);
        }
      }
      const a = cover / (SAMPLES * SAMPLES);
      for (let c = 0; c < 3; c++) {
        row[1 + px * 3 + c] = Math.round(BACKGROUND[c] * (1 - a) + FOREGROUND[c] * a);
      }
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(Buffer.concat(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Every icon file of the app: [file name, contents]. */
export function iconFiles() {
  return [
    ["icon.svg", svgIcon()],
    ["icon-192.png", pngIcon(192)],
    ["icon-512.png", pngIcon(512)],
  ];
}
