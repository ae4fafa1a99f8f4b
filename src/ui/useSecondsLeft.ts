import { useEffect, useRef, useState } from 'react';
import { isRunLive, type TrainingState } from '../store/events';

/**
 * Seconds the live run has left of its time limit, as the trainer counts them (pauses do not count),
 * ticking every second; null when no limited run is live.
 */
export function useSecondsLeft(runId: string | undefined, limitMinutes: number | undefined, phase: TrainingState['phase']): number | null {
  const live = runId !== undefined && limitMinutes !== undefined && isRunLive(phase);
  const clockOf = useRef<{ runId: string; started: number; paused: number; pausedSince: number | null } | null>(null);
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => setNow(performance.now()), 1000);
    return () => clearInterval(timer);
  }, [live]);
  useEffect(() => {
    if (!live) return;
    const at = performance.now();
    if (clockOf.current?.runId !== runId) clockOf.current = { runId: runId!, started: at, paused: 0, pausedSince: null };
    const c = clockOf.current;
    if (phase === 'paused' && c.pausedSince === null) c.pausedSince = at;
    if (phase !== 'paused' && c.pausedSince !== null) [c.paused, c.pausedSince] = [c.paused + at - c.pausedSince, null];
  }, [live, runId, phase]);
  const c = clockOf.current;
  if (!live || !c || c.runId !== runId) return null;
  const pausedMs = c.paused + (c.pausedSince !== null ? now - c.pausedSince : 0);
  return limitMinutes * 60 - Math.max(0, now - c.started - pausedMs) / 1000;
}
