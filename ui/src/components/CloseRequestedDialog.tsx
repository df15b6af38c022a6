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
import { keepRunningInBackground, onCloseRequested, stopAllAndQuit, type CloseRequested } from '../backend';

const useStyles = makeStyles({
  // Three long choices read better stacked than squeezed side by side.
  actions: { display: 'flex', flexDirection: 'column', alignItems: 'stretch', gridColumn: '1 / -1' },
});

/** What the owner is told, from what is running and where the window can go. */
export function closeWords(request: CloseRequested): { title: string; state: string; keep: string; where: string } {
  const names = request.running_batches;
  const subject = names.length === 1 ? `"${names[0]}"` : `${names.length} migrations (${names.join(', ')})`;
  const plural = names.length !== 1;
  return {
    title: request.copying ? 'Email is still being copied' : 'Migrations are keeping mail in step',
    state: request.copying
      ? `${subject} ${plural ? 'are' : 'is'} still copying email.`
      : `${subject} ${plural ? 'are' : 'is'} up to date and ${plural ? 'check' : 'checks'} the old ${plural ? 'servers' : 'server'} for new mail from time to time.`,
    keep: request.background === 'tray' ? 'Keep running in the background' : 'Keep running, minimised',
    where:
      request.background === 'tray'
        ? "Mailferry's icon in the tray brings this window back."
        : 'The window goes to the task bar; opening Mailferry again also brings it back.',
  };
}

/** Closing the window while migrations run asks whether they should go on without it. */
export function CloseRequestedDialog() {
  const styles = useStyles();
  const [request, setRequest] = useState<CloseRequested | null>(null);

  useEffect(() => onCloseRequested(setRequest), []);

  const close = () => setRequest(null);
  const words = request ? closeWords(request) : null;

  return (
    <Dialog open={request !== null} modalType="alert" onOpenChange={(_, data) => (!data.open ? close() : undefined)}>
      <DialogSurface aria-describedby="close-requested-text">
        <DialogBody>
          <DialogTitle>{words?.title}</DialogTitle>
          <DialogContent id="close-requested-text">
            <p>{words?.state}</p>
            <p>
              {words?.where} If you stop them instead, they carry on from where they were the next time you open
              Mailferry.
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
              {words?.keep}
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
