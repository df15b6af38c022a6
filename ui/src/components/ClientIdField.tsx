import { Field, Input } from '@fluentui/react-components';
import type { ProviderKind } from '../backend';

const HINTS: Record<ProviderKind, string> = {
  microsoft:
    'From your app registration in Microsoft Entra ID (Overview → Application (client) ID). Mailferry ships no app of its own, so your organisation stays in control of who may sign in.',
  google: 'From your OAuth client ("Desktop app") in Google Cloud Console → APIs & Services → Credentials.',
};

interface Props {
  provider: ProviderKind;
  value: string;
  onChange: (value: string) => void;
  /** Shown once the owner tried to go on without it. */
  problem?: string;
}

/** The application (client) ID that "Sign in with Microsoft/Google" signs in to. */
export function ClientIdField({ provider, value, onChange, problem }: Props) {
  return (
    <Field
      label={provider === 'microsoft' ? 'Application (client) ID' : 'Google OAuth client ID'}
      required
      hint={problem ? undefined : HINTS[provider]}
      validationMessage={problem}
    >
      <Input value={value} spellCheck={false} autoComplete="off" onChange={(_, d) => onChange(d.value)} />
    </Field>
  );
}
