import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
} from '@fluentui/react-components';
import { makeStyles } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { keepRunningInBackground, onCloseRequested, stopAllAndQuit } from '../backend';

const useStyles = makeStyles({
  // Three long choices read better stacked than squeezed side by side.
  actions: { display: 'flex', flexDirection: 'column', alignItems: 'stretch', gridColumn: '1 / -1' },
});

/** Closing the window while migrations run asks whether they should go on without it. */
export function CloseRequestedDialog() {
  const styles = useStyles();
  const [running, setRunning] = useState<string[] | null>(null);

  useEffect(() => onCloseRequested((batches) => setRunning(batches)), []);

  const close = () => setRunning(null);

  return (
    <Dialog open={running !== null} modalType="alert" onOpenChange={(_, data) => (!data.open ? close() : undefined)}>
      <DialogSurface aria-describedby="close-requested-text">
        <DialogBody>
          <DialogTitle>Migrations are running</DialogTitle>
          <DialogContent id="close-requested-text">
            <p>
              {running && running.length === 1
                ? `"${running[0]}" is still copying email.`
                : `${running?.length ?? 0} migrations are still copying email: ${running?.join(', ') ?? ''}.`}
            </p>
            <p>
              Keep them running in the background (you'll find Mailferry in the tray), or stop them and quit. Stopped
              migrations carry on from where they were the next time you open Mailferry.
            </p>
          </DialogContent>
          <DialogActions className={styles.actions}>
            <Button
              appearance="primary"
              onClick={() => {
                close();
                void keepRunningInBackground();
              }}
            >
              Keep them running in the background
            </Button>
            <Button
              onClick={() => {
                close();
                void stopAllAndQuit();
              }}
            >
              Stop them and quit
            </Button>
            <Button appearance="subtle" onClick={close}>
              Cancel
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
