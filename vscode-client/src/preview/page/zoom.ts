/**
 * Zoom and pan for the rendered SVG: a CSS transform on the canvas, wheel to zoom about the
 * pointer, drag to pan, and "fit" / "center on a node" for the toolbar and the search box.
 * Fitting never goes below `readable` (the scale at which labels stay >= 11 px): a graph too large
 * for that is shown around a chosen point at the readable scale. Zooming out further is allowed
 * when the user asks for it (wheel, −).
 */

export interface Transform {
  x: number;
  y: number;
  k: number;
}

const MIN_SCALE = 0.05;
const MAX_SCALE = 8;

export class ZoomPan {
  transform: Transform = { x: 0, y: 0, k: 1 };
  private drag: { x: number; y: number; moved: boolean } | null = null;
  /** true right after a drag, so the click that ends it does not open a definition */
  suppressClick = false;
  /** the user zoomed or panned since the last fit: a resize then keeps their view */
  private moved = false;

  get userMoved(): boolean {
    return this.moved;
  }
  private content: { width: number; height: number } | null = null;

  constructor(
    private readonly viewport: HTMLElement,
    private readonly canvas: HTMLElement,
  ) {
    viewport.addEventListener('wheel', (event) => this.onWheel(event), { passive: false });
    viewport.addEventListener('pointerdown', (event) => this.onPointerDown(event));
    viewport.addEventListener('pointermove', (event) => this.onPointerMove(event));
    viewport.addEventListener('pointerup', () => this.onPointerUp());
    viewport.addEventListener('pointercancel', () => this.onPointerUp());
    let size = { width: 0, height: 0 };
    new ResizeObserver(() => {
      const now = { width: viewport.clientWidth, height: viewport.clientHeight };
      // a toolbar or legend line coming or going is not a resize of the panel: refitting then
      // would move every box (the page holds them in place across a redraw instead)
      const line = now.width === size.width && Math.abs(now.height - size.height) < 60;
      size = now;
      if (!line && !this.moved && this.content) this.fit(this.content.width, this.content.height);
    }).observe(viewport);
    viewport.addEventListener('keydown', (event) => {
      if (event.target !== viewport) return;
      const step = 60;
      const pan: Record<string, [number, number]> = { h: [step, 0], l: [-step, 0], k: [0, step], j: [0, -step] };
      const move = pan[event.key];
      if (move) {
        this.moved = true;
        this.transform = { ...this.transform, x: this.transform.x + move[0], y: this.transform.y + move[1] };
        this.apply();
      }
    });
  }

  apply(): void {
    const { x, y, k } = this.transform;
    this.canvas.style.transform = `translate(${x}px, ${y}px) scale(${k})`;
  }

  /** Scale by `factor` keeping the viewport point (px, py) still. */
  zoomBy(factor: number, px = this.viewport.clientWidth / 2, py = this.viewport.clientHeight / 2): void {
    const { x, y, k } = this.transform;
    this.moved = true;
    const next = Math.min(MAX_SCALE, Math.max(MIN_SCALE, k * factor));
    const ratio = next / k;
    this.transform = { x: px - (px - x) * ratio, y: py - (py - y) * ratio, k: next };
    this.apply();
  }

  /** the smallest scale "fit" uses (labels readable) */
  readable = 1;
  /** where a fit centres when the content is too large to fit readably (content coordinates) */
  private anchor: { x: number; y: number } | null = null;

  /** The scale that fits the whole content, ignoring the readable limit. */
  fitScale(width: number, height: number): number {
    const vw = this.viewport.clientWidth || 800;
    const vh = this.viewport.clientHeight || 600;
    return Math.max(MIN_SCALE, Math.min(1.5, (vw - 16) / Math.max(width, 1), (vh - 16) / Math.max(height, 1)));
  }

  /**
   * Fit the content (of natural size width × height) into the viewport, never above 1.5× and,
   * unless `all`, never below the readable scale: then the view is centred on `anchor` (content
   * coordinates; default the left middle, where a left-to-right dataflow starts).
   */
  fit(width: number, height: number, anchor?: { x: number; y: number } | null, all = false): void {
    this.content = { width, height };
    if (anchor !== undefined) this.anchor = anchor;
    this.moved = false;
    const vw = this.viewport.clientWidth || 800;
    const vh = this.viewport.clientHeight || 600;
    const whole = this.fitScale(width, height);
    if (all || whole >= this.readable) {
      this.transform = { x: (vw - width * whole) / 2, y: Math.max(8, (vh - height * whole) / 2), k: whole };
    } else {
      const k = this.readable;
      const point = this.anchor ?? { x: Math.min(width / 2, vw / (2 * k)), y: Math.min(height / 2, vh / (2 * k)) };
      this.transform = { x: vw / 2 - point.x * k, y: vh / 2 - point.y * k, k };
      // keep the content's edges from leaving a gap on the left/top
      if (this.transform.x > 8) this.transform.x = 8;
      if (this.transform.y > 8) this.transform.y = 8;
    }
    this.apply();
  }

  /** The content's size changed without a new fit (an incremental layout). */
  setContent(width: number, height: number): void {
    this.content = { width, height };
  }

  /** Move the view by (dx, dy) screen px: what keeps boxes still when the content's origin moved. */
  shift(dx: number, dy: number): void {
    this.transform = { ...this.transform, x: this.transform.x + dx, y: this.transform.y + dy };
    this.apply();
  }

  /** Move so the content point (cx, cy) is in the middle of the viewport. */
  centerOn(cx: number, cy: number): void {
    this.moved = true;
    const k = Math.max(this.transform.k, this.readable);
    this.transform = { x: this.viewport.clientWidth / 2 - cx * k, y: this.viewport.clientHeight / 2 - cy * k, k };
    this.apply();
  }

  private onWheel(event: WheelEvent): void {
    event.preventDefault();
    const rect = this.viewport.getBoundingClientRect();
    this.zoomBy(Math.exp(-event.deltaY * 0.0015), event.clientX - rect.left, event.clientY - rect.top);
  }

  private onPointerDown(event: PointerEvent): void {
    if (event.button !== 0) return;
    this.drag = { x: event.clientX, y: event.clientY, moved: false };
    this.suppressClick = false;
  }

  private onPointerMove(event: PointerEvent): void {
    if (this.drag === null) return;
    const dx = event.clientX - this.drag.x;
    const dy = event.clientY - this.drag.y;
    if (!this.drag.moved && Math.hypot(dx, dy) < 4) return;
    if (!this.drag.moved) this.viewport.setPointerCapture(event.pointerId);
    this.drag = { x: event.clientX, y: event.clientY, moved: true };
    this.moved = true;
    this.transform = { ...this.transform, x: this.transform.x + dx, y: this.transform.y + dy };
    this.apply();
  }

  private onPointerUp(): void {
    this.suppressClick = this.drag?.moved ?? false;
    this.drag = null;
  }
}
