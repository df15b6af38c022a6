import { Menu, MenuButton, MenuItem, MenuList, MenuPopover, MenuTrigger, type ButtonProps } from '@fluentui/react-components';
import { ArrowDownload20Regular } from '@fluentui/react-icons';
import { downloadReport, toProblem, type AppError, type ReportFormat } from '../backend';

interface Props {
  batch: string;
  appearance?: ButtonProps['appearance'];
  /** In a table row: a small button that reads just "Download". */
  compact?: boolean;
  /** Told where the report went, or what went wrong. */
  onDone: (result: { path: string } | { problem: AppError }) => void;
}

/** "Download report" → CSV / HTML: the save dialog chooses where, then the engine writes it. */
export function ReportDownloadButton({ batch, appearance = 'subtle', compact, onDone }: Props) {
  const download = (format: ReportFormat) => {
    downloadReport(batch, format)
      .then((path) => {
        if (path) onDone({ path });
      })
      .catch((e) => onDone({ problem: toProblem(e) }));
  };
  return (
    <Menu>
      <MenuTrigger disableButtonEnhancement>
        <MenuButton
          appearance={appearance}
          size={compact ? 'small' : 'medium'}
          icon={<ArrowDownload20Regular />}
          aria-label={`Download report for ${batch}`}
        >
          {compact ? 'Download' : 'Download report'}
        </MenuButton>
      </MenuTrigger>
      <MenuPopover>
        <MenuList>
          <MenuItem onClick={() => download('csv')}>CSV (opens in Excel)</MenuItem>
          <MenuItem onClick={() => download('html')}>Web page (HTML)</MenuItem>
          <MenuItem onClick={() => download('json')}>JSON (for IT tools)</MenuItem>
        </MenuList>
      </MenuPopover>
    </Menu>
  );
}
