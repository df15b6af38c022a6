import type { ReactElement } from 'react';
import { AolLogo } from './AolLogo';
import { GmailLogo } from './GmailLogo';
import { ICloudLogo } from './ICloudLogo';
import { MailServerLogo } from './MailServerLogo';
import { OutlookLogo } from './OutlookLogo';
import { YahooLogo } from './YahooLogo';

export { MailServerLogo } from './MailServerLogo';
export { MicrosoftLogo } from './MicrosoftLogo';

/**
 * The mark of a source tile (SOURCE_TILES' keys). Hotmail is Outlook.com now and has its mark;
 * a provider without one of its own gets the generic mail server.
 */
export function sourceLogo(tileKey: string): ReactElement {
  switch (tileKey) {
    case 'gmail':
      return <GmailLogo />;
    case 'outlook':
    case 'hotmail':
      return <OutlookLogo />;
    case 'yahoo':
      return <YahooLogo />;
    case 'icloud':
      return <ICloudLogo />;
    case 'aol':
      return <AolLogo />;
    default:
      return <MailServerLogo />;
  }
}
