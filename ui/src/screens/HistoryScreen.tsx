import { Spinner, Text } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { listBatches, toProblem, type AppError, type BatchSummary } from '../backend';
import { useNavigate } from '../app/navigation';
import { BatchTable } from '../components/BatchTable';
import { Page } from '../components/Page';
import { ProblemBar } from '../components/ProblemBar';
import { ReportDownloadButton } from '../components/ReportDownloadButton';
import { SavedReportBar } from '../components/SavedReportBar';

type Notice = { path: string } | { problem: AppError } | null;

/** Every batch ever created, straight from the local database (works without a network). */
export function HistoryScreen() {
  const navigate = useNavigate();
  const [batches, setBatches] = useState<BatchSummary[] | null>(null);
  const [problem, setProblem] = useState<AppError | null>(null);
  const [notice, setNotice] = useState<Notice>(null);

  useEffect(() => {
    let alive = true;
    listBatches()
      .then((list) => alive && setBatches([...list].sort((a, b) => b.created_at - a.created_at)))
      .catch((e) => alive && setProblem(toProblem(e)));
    return () => {
      alive = false;
    };
  }, []);

  return (
    <Page
      title="Reports and history"
      description="Open any migration to see what was copied for each mailbox, what was skipped and why, or save its report."
    >
      {notice && 'path' in notice ? <SavedReportBar path={notice.path} /> : null}
      {notice && 'problem' in notice ? <ProblemBar problem={notice.problem} /> : null}
      {problem ? <ProblemBar problem={problem} /> : null}
      {batches === null && !problem ? <Spinner size="small" label="Loading history…" /> : null}
      {batches && batches.length === 0 ? <Text>No migrations yet. Reports appear here once a migration has run.</Text> : null}
      {batches && batches.length > 0 ? (
        <BatchTable
          batches={batches}
          caption="All migrations"
          showCreated
          onOpen={(name) => navigate({ kind: 'status', batch: name })}
          actions={(b) => <ReportDownloadButton batch={b.name} compact onDone={setNotice} />}
        />
      ) : null}
    </Page>
  );
}
