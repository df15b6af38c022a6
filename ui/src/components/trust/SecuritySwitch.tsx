import { Button } from '@fluentui/react-components';
import type { AppError } from '../../backend';
import type { Security } from '../../servers';

const SWITCHES = {
  port_expects_tls: { to: 'tls', label: 'This port expects SSL/TLS — switch?' },
  port_expects_starttls: { to: 'starttls', label: 'This port expects STARTTLS — switch?' },
} as const satisfies Record<string, { to: Security; label: string }>;

/** The server's port speaks the other kind of encryption: one button changes it and tests again. */
export function SecuritySwitch({ problem, onSwitch }: { problem: AppError; onSwitch: (security: Security) => void }) {
  const mismatch = problem.facts?.security_mismatch;
  if (!mismatch) return null;
  const { to, label } = SWITCHES[mismatch];
  return (
    <div>
      <Button appearance="primary" onClick={() => onSwitch(to)}>
        {label}
      </Button>
    </div>
  );
}
