import { problemLine } from '../problemWords';
import { Button, MessageBar, MessageBarActions, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { keepPasswordsInMemory, keyringStatus, toProblem, type KeyringStatus } from '../backend';

/**
 * Checked once at start: without a keyring the passwords typed in the wizard cannot be
 * stored, so the owner is offered the session-only alternative before typing any.
 */
export function KeyringBanner() {
  const [status, setStatus] = useState<KeyringStatus | null>(null);
  const [switched, setSwitched] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [dismissed, setDismissed] = useState(false);

  useEffect(() => {
    let alive = true;
    keyringStatus()
      .then((s) => alive && setStatus(s))
      .catch(() => {
        // Outside the app there is no keyring to check; the not-in-app screen explains.
      });
    return () => {
      alive = false;
    };
  }, []);

  if (!status || status.available || dismissed) return null;

  if (switched || status.memory_only) {
    return (
      <MessageBar intent="info" layout="multiline">
        <MessageBarBody>
          <MessageBarTitle>Passwords are kept in memory for this session</MessageBarTitle>
          <div>
            Mailferry forgets them when it quits, so migrations that are still running will need the passwords again
            after a restart.
          </div>
        </MessageBarBody>
        <MessageBarActions>
          <Button onClick={() => setDismissed(true)}>OK</Button>
        </MessageBarActions>
      </MessageBar>
    );
  }

  return (
    <MessageBar intent="warning" layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>Mailferry cannot use this computer's password store</MessageBarTitle>
        <div>{status.problem ?? 'The system keyring is not available.'}</div>
        {error ? <div role="alert">{error}</div> : null}
      </MessageBarBody>
      <MessageBarActions>
        <Button
          appearance="primary"
          onClick={() => {
            keepPasswordsInMemory()
              .then(() => setSwitched(true))
              .catch((e) => setError(problemLine(toProblem(e))));
          }}
        >
          Keep passwords in memory for this session
        </Button>
      </MessageBarActions>
    </MessageBar>
  );
}
