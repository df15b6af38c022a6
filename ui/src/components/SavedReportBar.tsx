import { Button, MessageBar, MessageBarActions, MessageBarBody } from '@fluentui/react-components';
import { useState } from 'react';
import { openSavedReport, toProblem, type AppError } from '../backend';
import { ProblemBar } from './ProblemBar';

/** "Report saved to …", with Open and Show in folder, so the owner never has to go looking. */
export function SavedReportBar({ path }: { path: string }) {
  const [problem, setProblem] = useState<AppError | null>(null);
  const open = (inFolder: boolean) => {
    setProblem(null);
    openSavedReport(path, inFolder).catch((e) => setProblem(toProblem(e)));
  };
  return (
    <>
      <MessageBar intent="success">
        <MessageBarBody>Report saved to {path}</MessageBarBody>
        <MessageBarActions>
          <Button size="small" onClick={() => open(false)}>
            Open
          </Button>
          <Button size="small" onClick={() => open(true)}>
            Show in folder
          </Button>
        </MessageBarActions>
      </MessageBar>
      {problem ? <ProblemBar problem={problem} /> : null}
    </>
  );
}
