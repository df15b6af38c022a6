import { MessageBar, MessageBarBody, MessageBarTitle, MessageBarActions, type MessageBarIntent } from '@fluentui/react-components';
import type { ReactNode } from 'react';
import type { AppError } from '../backend';

interface Props {
  problem: AppError;
  intent?: MessageBarIntent;
  actions?: ReactNode;
}

/** An error as the owner reads it: what happened, then what to do about it. */
export function ProblemBar({ problem, intent = 'error', actions }: Props) {
  return (
    <MessageBar intent={intent} layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>{sentence(problem.message)}</MessageBarTitle>
        {problem.hint ? <div>What to do: {problem.hint}</div> : null}
      </MessageBarBody>
      {actions ? <MessageBarActions>{actions}</MessageBarActions> : null}
    </MessageBar>
  );
}

/** The engine's messages start lower-case (they also appear mid-sentence in logs). */
export function sentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  const capital = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
