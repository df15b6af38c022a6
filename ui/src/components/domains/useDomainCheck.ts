import { useCallback, useEffect, useRef, useState } from 'react';
import { batchDomains, toProblem, type AppError, type DomainSwitch } from '../../backend';
import { RECHECK_MS } from './domainView';

export interface DomainCheck {
  result: DomainSwitch | null;
  /** The whole check failed (the batch or the state could not be read). */
  problem: AppError | null;
  checking: boolean;
  /** When the last answer came, ms since the epoch. */
  checkedAt: number | null;
  /** Moves on every minute, so countdowns stay current between checks. */
  now: number;
  checkNow: () => void;
}

/**
 * A batch's domains as DNS shows them: asked when the page opens, again every minute while
 * it is shown (and `poll` holds), and on "Check now". A check can take up to 30 seconds when
 * a DNS server does not answer, so a new one never starts while one is under way.
 */
export function useDomainCheck(batch: string, poll = true): DomainCheck {
  const [result, setResult] = useState<DomainSwitch | null>(null);
  const [problem, setProblem] = useState<AppError | null>(null);
  const [checking, setChecking] = useState(false);
  const [checkedAt, setCheckedAt] = useState<number | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const inFlight = useRef(false);
  const alive = useRef(true);
  // Read by the minute timer, so that turning polling on or off does not restart the minute.
  const polling = useRef(poll);
  polling.current = poll;

  const check = useCallback(() => {
    if (inFlight.current) return;
    inFlight.current = true;
    setChecking(true);
    batchDomains(batch)
      .then((answer) => {
        if (!alive.current) return;
        setResult(answer);
        setProblem(null);
      })
      .catch((e) => {
        if (alive.current) setProblem(toProblem(e));
      })
      .finally(() => {
        inFlight.current = false;
        if (!alive.current) return;
        const at = Date.now();
        setChecking(false);
        setCheckedAt(at);
        setNow(at);
      });
  }, [batch]);

  useEffect(() => {
    alive.current = true;
    check();
    const timer = setInterval(() => {
      setNow(Date.now());
      if (polling.current) check();
    }, RECHECK_MS);
    return () => {
      alive.current = false;
      clearInterval(timer);
    };
  }, [check]);

  return { result, problem, checking, checkedAt, now, checkNow: check };
}
