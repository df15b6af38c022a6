import {
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  tokens,
} from '@fluentui/react-components';
import type { CsvProblem } from '../backend';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  // A file with many mistakes scrolls here instead of pushing the users table off screen.
  scroll: { maxHeight: '220px', overflowY: 'auto', maxWidth: '900px' },
  head: { position: 'sticky', top: 0, backgroundColor: tokens.colorNeutralBackground1, zIndex: 1 },
  line: { width: '80px' },
  column: { width: '140px' },
});

/**
 * Why a CSV file was refused, one line per problem next to the file's line number (the row
 * the owner has to fix in Excel). Nothing from the file was added.
 */
export function CsvProblems({ fileName, problems }: { fileName: string; problems: CsvProblem[] }) {
  const styles = useStyles();
  return (
    <div className={styles.root} role="alert">
      <MessageBar intent="error" layout="multiline">
        <MessageBarBody>
          <MessageBarTitle>The file was not imported</MessageBarTitle>
          <div>
            {fileName} has {problems.length === 1 ? 'a problem' : `${problems.length} problems`}. Nothing from it was
            added. Correct the file and import it again.
          </div>
        </MessageBarBody>
      </MessageBar>
      <div className={styles.scroll} tabIndex={0} role="region" aria-label="Problems in the file">
        <Table size="small" aria-label="Problems in the CSV file">
          <TableHeader className={styles.head}>
            <TableRow>
              <TableHeaderCell className={styles.line}>Line</TableHeaderCell>
              <TableHeaderCell className={styles.column}>Column</TableHeaderCell>
              <TableHeaderCell>Problem</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {problems.map((p, i) => (
              <TableRow key={i}>
                <TableCell>{p.line === 0 ? 'Whole file' : p.line}</TableCell>
                <TableCell>{p.column ?? '—'}</TableCell>
                <TableCell>{p.message}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
    </div>
  );
}
