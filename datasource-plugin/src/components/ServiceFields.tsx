import React, { ChangeEvent } from 'react';
import { InlineField, Input, SecretInput } from '@grafana/ui';
import { testIds } from './testIds';

/** The Homeostat services a datasource reaches, each with a URL and a bearer token. */
export const SERVICES = ['detector', 'remediator'] as const;
export type Service = (typeof SERVICES)[number];

const LABEL_WIDTH = 20;

const FIELDS: Record<Service, { title: string; placeholder: string; urlTestId: string }> = {
  detector: {
    title: 'Detector',
    placeholder: 'http://127.0.0.1:8090',
    urlTestId: testIds.configEditor.detectorUrl,
  },
  remediator: {
    title: 'Remediator',
    placeholder: 'http://127.0.0.1:8091',
    urlTestId: testIds.configEditor.remediatorUrl,
  },
};

interface Props {
  service: Service;
  url: string;
  /** The token typed in this session; a saved one is never sent back to the browser. */
  token: string;
  tokenConfigured: boolean;
  onUrlChange: (url: string) => void;
  onTokenChange: (token: string) => void;
  onTokenReset: () => void;
}

/** One service's base URL (as Grafana's server reaches it) and its bearer token. */
export function ServiceFields({
  service,
  url,
  token,
  tokenConfigured,
  onUrlChange,
  onTokenChange,
  onTokenReset,
}: Props) {
  const { title, placeholder, urlTestId } = FIELDS[service];
  return (
    <>
      <InlineField
        label={`${title} URL`}
        labelWidth={LABEL_WIDTH}
        htmlFor={`homeostat-${service}-url`}
        tooltip={`Base URL of the Homeostat ${service} as Grafana's server reaches it`}
      >
        <Input
          id={`homeostat-${service}-url`}
          data-testid={urlTestId}
          value={url}
          placeholder={placeholder}
          width={40}
          onChange={(event: ChangeEvent<HTMLInputElement>) => onUrlChange(event.target.value.trim())}
        />
      </InlineField>
      <InlineField label={`${title} token`} labelWidth={LABEL_WIDTH} htmlFor={`homeostat-${service}-token`}>
        <SecretInput
          id={`homeostat-${service}-token`}
          isConfigured={tokenConfigured}
          value={token}
          placeholder="bearer token (optional)"
          width={40}
          onChange={(event: ChangeEvent<HTMLInputElement>) => onTokenChange(event.target.value)}
          onReset={onTokenReset}
        />
      </InlineField>
    </>
  );
}
