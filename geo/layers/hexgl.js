// A WebGL2 painter for the hex layer (ATLAS_HEX_RENDERER=webgl), measured against the batched
// canvas in benchmarks/bench_renderers.py. hexcanvas.js uses it in place of its span rasteriser
// when the layer asks for it; everything else (hover, click, pan logic) is shared. Not the
// default: in headless Chromium (SwiftShader) it draws, restyles and pans slower than the canvas
// (figures in geo/layers/_hexcanvas.py).
//
// The same packed rings become, once per grid, fan triangles and edge lines in GPU buffers, each
// vertex carrying its cell's position; a restyle uploads one colour index and one dashed byte
// per cell into a small integer texture, and the palette into another, so nothing per vertex
// is sent again. Vertices are kept relative to the grid's corner (float32 on the unit square
// would be ~0.5 px coarse at street zooms).

const VERT = `#version 300 es
in vec2 a_pos;
in float a_cell;
in float a_dist;
uniform vec2 u_scale, u_shift, u_size;
uniform highp usampler2D u_codes;
uniform sampler2D u_palette;
uniform int u_lines;
uniform vec4 u_stroke[2];
out vec4 v_colour;
out float v_dist;
flat out int v_mark;
void main() {
  int i = int(a_cell + 0.5);
  uvec2 cm = texelFetch(u_codes, ivec2(i % 4096, i / 4096), 0).rg;
  v_mark = cm.g > 0u ? 1 : 0;
  v_dist = a_dist * u_scale.x;
  if (cm.r == 255u) { gl_Position = vec4(2.0, 2.0, 2.0, 1.0); v_colour = vec4(0.0); return; }
  v_colour = u_lines == 1 ? u_stroke[v_mark] : texelFetch(u_palette, ivec2(int(cm.r), v_mark), 0);
  vec2 px = a_pos * u_scale + u_shift;
  gl_Position = vec4(px.x / u_size.x * 2.0 - 1.0, 1.0 - px.y / u_size.y * 2.0, 0.0, 1.0);
}`;

const FRAG = `#version 300 es
precision mediump float;
in vec4 v_colour;
in float v_dist;
flat in int v_mark;
uniform vec2 u_dash;
out vec4 colour;
void main() {
  if (v_mark == 1 && u_dash.x > 0.0 && mod(v_dist, u_dash.x + u_dash.y) >= u_dash.x) discard;
  colour = vec4(v_colour.rgb * v_colour.a, v_colour.a);
}`;

const CODES_WIDTH = 4096;

function rgbaBytes(colour, alpha) {
  const hex = String(colour || "#888888").replace("#", "");
  const full = hex.length === 3 ? [...hex].map((h) => h + h).join("") : hex;
  const n = parseInt(full, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255, Math.round(255 * Math.max(0, Math.min(1, alpha)))];
}

class GLPainter {
  constructor(canvas) {
    const gl = canvas.getContext("webgl2", {
      antialias: false, depth: false, stencil: false, preserveDrawingBuffer: true,
    });
    if (!gl) throw new Error("hexgl: no WebGL2 context");
    this.gl = gl;
    this.program = this.link(VERT, FRAG);
    this.loc = {};
    for (const name of ["u_scale", "u_shift", "u_size", "u_codes", "u_palette", "u_lines",
      "u_stroke", "u_dash"]) this.loc[name] = gl.getUniformLocation(this.program, name);
    this.codes = gl.createTexture();
    this.palette = gl.createTexture();
    this.fills = null;
    this.lines = null;
  }

  link(vs, fs) {
    const gl = this.gl, program = gl.createProgram();
    for (const [type, text] of [[gl.VERTEX_SHADER, vs], [gl.FRAGMENT_SHADER, fs]]) {
      const shader = gl.createShader(type);
      gl.shaderSource(shader, text);
      gl.compileShader(shader);
      if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) {
        throw new Error(`hexgl: ${gl.getShaderInfoLog(shader)}`);
      }
      gl.attachShader(program, shader);
    }
    gl.bindAttribLocation(program, 0, "a_pos");
    gl.bindAttribLocation(program, 1, "a_cell");
    gl.bindAttribLocation(program, 2, "a_dist");
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) {
      throw new Error(`hexgl: ${gl.getProgramInfoLog(program)}`);
    }
    return program;
  }

  geometry(g) {
    // Fan triangles and edge lines of every ring, as (x, y, cell, distance along the ring).
    const gl = this.gl, xy = g.xy, offsets = g.offsets;
    this.x0 = g.grid.x0;
    this.y0 = g.grid.y0;
    let tri = 0, seg = 0;
    for (let i = 0; i < g.n; i++) {
      const n = offsets[i + 1] - offsets[i];
      tri += 3 * Math.max(0, n - 2);
      seg += 2 * n;
    }
    const fills = new Float32Array(4 * tri), lines = new Float32Array(4 * seg);
    let a = 0, b = 0;
    const put = (out, k, v, i, d) => {
      out[k] = xy[2 * v] - this.x0;
      out[k + 1] = xy[2 * v + 1] - this.y0;
      out[k + 2] = i;
      out[k + 3] = d;
    };
    for (let i = 0; i < g.n; i++) {
      const start = offsets[i], n = offsets[i + 1] - start;
      for (let k = 1; k + 1 < n; k++) {
        put(fills, a, start, i, 0); put(fills, a + 4, start + k, i, 0);
        put(fills, a + 8, start + k + 1, i, 0);
        a += 12;
      }
      let d = 0;
      for (let k = 0; k < n; k++) {
        const v = start + k, w = start + ((k + 1) % n);
        const len = Math.hypot(xy[2 * w] - xy[2 * v], xy[2 * w + 1] - xy[2 * v + 1]);
        put(lines, b, v, i, d); put(lines, b + 4, w, i, d + len);
        d += len;
        b += 8;
      }
    }
    this.fills = this.upload(this.fills, fills);
    this.lines = this.upload(this.lines, lines);
    this.n = g.n;
  }

  upload(old, data) {
    const gl = this.gl;
    if (old) { gl.deleteBuffer(old.buffer); gl.deleteVertexArray(old.vao); }
    const vao = gl.createVertexArray(), buffer = gl.createBuffer();
    gl.bindVertexArray(vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
    gl.bufferData(gl.ARRAY_BUFFER, data, gl.STATIC_DRAW);
    gl.enableVertexAttribArray(0);
    gl.vertexAttribPointer(0, 2, gl.FLOAT, false, 16, 0);
    gl.enableVertexAttribArray(1);
    gl.vertexAttribPointer(1, 1, gl.FLOAT, false, 16, 8);
    gl.enableVertexAttribArray(2);
    gl.vertexAttribPointer(2, 1, gl.FLOAT, false, 16, 12);
    gl.bindVertexArray(null);
    return { vao, buffer, count: data.length / 4 };
  }

  restyle(codes, marks, palette, base, dashed) {
    // One (colour index, dashed) pair per cell into the codes texture; fill colours with their
    // opacity into the palette (row 0 plain cells, row 1 dashed ones).
    const gl = this.gl, n = codes.length;
    const height = Math.max(1, Math.ceil(n / CODES_WIDTH));
    const texels = new Uint8Array(2 * CODES_WIDTH * height).fill(255);
    for (let i = 0; i < n; i++) {
      texels[2 * i] = codes[i];
      texels[2 * i + 1] = marks[i] ? 1 : 0;
    }
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    gl.bindTexture(gl.TEXTURE_2D, this.codes);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RG8UI, CODES_WIDTH, height, 0, gl.RG_INTEGER,
      gl.UNSIGNED_BYTE, texels);
    this.nearest();
    const colours = new Uint8Array(256 * 2 * 4);
    const dashedFill = { ...base, ...dashed };
    palette.forEach((colour, c) => {
      colours.set(rgbaBytes(colour, base.fillOpacity ?? 0.7), 4 * c);
      colours.set(rgbaBytes(colour, dashedFill.fillOpacity ?? 0.7), 4 * (256 + c));
    });
    gl.bindTexture(gl.TEXTURE_2D, this.palette);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, 256, 2, 0, gl.RGBA, gl.UNSIGNED_BYTE, colours);
    this.nearest();
  }

  nearest() {
    const gl = this.gl;
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
  }

  draw(f, ratio, cellPx, base, dashed) {
    // The whole padded view in one draw call for fills and one for outlines (as the canvas
    // layer: no outlines below 4 px cells, no dashes below 10 px).
    const gl = this.gl, W = gl.canvas.width, H = gl.canvas.height;
    gl.viewport(0, 0, W, H);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    if (!this.fills || !this.n) return;
    const s = f.scale * ratio;
    gl.useProgram(this.program);
    gl.uniform2f(this.loc.u_scale, s, s);
    gl.uniform2f(this.loc.u_shift, this.x0 * s - f.ox * ratio, this.y0 * s - f.oy * ratio);
    gl.uniform2f(this.loc.u_size, W, H);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, this.codes);
    gl.uniform1i(this.loc.u_codes, 0);
    gl.activeTexture(gl.TEXTURE1);
    gl.bindTexture(gl.TEXTURE_2D, this.palette);
    gl.uniform1i(this.loc.u_palette, 1);
    gl.uniform1i(this.loc.u_lines, 0);
    gl.uniform2f(this.loc.u_dash, 0, 0);
    gl.bindVertexArray(this.fills.vao);
    gl.drawArrays(gl.TRIANGLES, 0, this.fills.count);
    const full = { ...base, ...dashed };
    if (base.weight > 0 && cellPx >= 4) {
      const stroke = (style) => rgbaBytes(style.color || "#333333",
        (style.opacity ?? 1) * Math.min(1, style.weight * 1.5)).map((v) => v / 255);
      gl.uniform4fv(this.loc.u_stroke, [...stroke(base), ...stroke(full)]);
      const dash = cellPx >= 10 ? String(full.dashArray || "").split(/[ ,]+/).map(Number) : [];
      gl.uniform2f(this.loc.u_dash, (dash[0] || 0) * ratio, (dash[1] || 0) * ratio);
      gl.uniform1i(this.loc.u_lines, 1);
      gl.bindVertexArray(this.lines.vao);
      gl.drawArrays(gl.LINES, 0, this.lines.count);
    }
    gl.bindVertexArray(null);
  }
}
