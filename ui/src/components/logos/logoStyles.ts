import { makeStyles } from '@fluentui/react-components';

/**
 * The marks keep their makers' colours, except in a high-contrast (forced colours) theme:
 * there only the system's colours may be used, so each coloured shape is drawn as an outline
 * (`shape`) and whatever sits on it in the text colour (`ink` for fills, `line` for strokes:
 * the O, the Y!, the cloud), and the mark keeps its outline and its letter.
 */
export const useLogoStyles = makeStyles({
  mark: { width: '1em', height: '1em', flexShrink: 0, display: 'block' },
  shape: {
    '@media (forced-colors: active)': { fill: 'Canvas', stroke: 'CanvasText', strokeWidth: '1px' },
  },
  ink: {
    '@media (forced-colors: active)': { fill: 'CanvasText' },
  },
  line: {
    '@media (forced-colors: active)': { stroke: 'CanvasText' },
  },
});
