'use client';
/**
 * A canvas that fills its container's width, renders at the device pixel ratio, and calls `draw`
 * with a context scaled to CSS pixels whenever `redrawKey` or its size changes.
 */
import { useEffect, useRef, useState } from 'react';

export interface AutoCanvasProps {
  /** Height in CSS pixels. */
  height: number;
  /** Draws the picture; the context is scaled so that coordinates are CSS pixels. */
  draw: (ctx: CanvasRenderingContext2D, width: number, height: number) => void;
  /** Redraw when this changes (e.g. the stream's `rev`). */
  redrawKey: string | number;
  /** Text alternative for screen readers. */
  label: string;
  className?: string;
  /** Extra attributes for tests and tooling (`data-*`). */
  data?: Record<`data-${string}`, string | number>;
}

export function AutoCanvas({ height, draw, redrawKey, label, className, data }: AutoCanvasProps) {
  const ref = useRef<HTMLCanvasElement | null>(null);
  const [width, setWidth] = useState(0);
  const drawRef = useRef(draw);
  drawRef.current = draw;

  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    const measure = () => setWidth(Math.floor(canvas.getBoundingClientRect().width));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(canvas);
    return () => observer.disconnect();
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: redrawKey is the caller's signal to redraw; draw is read from a ref.
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas || width <= 0) return;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(width * dpr);
    const h = Math.round(height * dpr);
    if (canvas.width !== w) canvas.width = w;
    if (canvas.height !== h) canvas.height = h;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    drawRef.current(ctx, width, height);
  }, [width, height, redrawKey]);

  return (
    <canvas
      ref={ref}
      className={className}
      style={{ width: '100%', height: `${height}px`, display: 'block' }}
      role="img"
      aria-label={label}
      {...data}
    />
  );
}
