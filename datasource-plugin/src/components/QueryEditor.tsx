import React, { ChangeEvent, useEffect, useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2, QueryEditorProps, SelectableValue } from '@grafana/data';
import { InlineField, InlineFieldRow, Input, RadioButtonGroup, useStyles2 } from '@grafana/ui';
import { DataSource } from '../datasource';
import { DEFAULT_QUERY, HomeostatOptions, HomeostatQuery, QueryType, ScoreSource } from '../types';
import { testIds } from './testIds';

type Props = QueryEditorProps<DataSource, HomeostatQuery, HomeostatOptions>;

const QUERY_TYPE_OPTIONS: Array<SelectableValue<QueryType>> = [
  { label: 'Scores', value: 'scores', description: 'anomaly scores over the range (causal replay)' },
  { label: 'Anomalies', value: 'events', description: 'anomaly events from the detector' },
  { label: 'Timeline', value: 'timeline', description: 'anomaly, alert, action, verification, rollback' },
  { label: 'Actions', value: 'actions', description: 'healing actions from the remediator audit' },
  { label: 'Incidents', value: 'incidents', description: 'incidents with their MTTR' },
];

const SOURCE_OPTIONS: Array<SelectableValue<ScoreSource>> = [
  { label: 'Detector', value: 'detector' },
  { label: 'PromQL', value: 'promql' },
];

type TextKey = 'detector' | 'expr' | 'groupBy' | 'entity' | 'service';

const getStyles = (theme: GrafanaTheme2) => ({
  hint: css`
    color: ${theme.colors.text.secondary};
    font-size: ${theme.typography.bodySmall.fontSize};
    padding: ${theme.spacing(0.5, 0)};
  `,
});

export function QueryEditor({ query, onChange, onRunQuery, datasource }: Props) {
  const styles = useStyles2(getStyles);
  const q = { ...DEFAULT_QUERY, ...query };
  const [detectorNames, setDetectorNames] = useState<string[]>([]);

  useEffect(() => {
    let live = true;
    datasource.api
      .detectors()
      .then((r) => live && setDetectorNames(r.detectors.map((d) => d.name)))
      // The editor stays usable without the list; the query itself reports what is wrong.
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [datasource]);

  const onQueryTypeChange = (queryType: QueryType) => {
    onChange({ ...q, queryType });
    onRunQuery();
  };
  // A new source is a new query: run it, as a new query type does.
  const onSourceChange = (scoreSource: ScoreSource) => {
    onChange({ ...q, scoreSource });
    onRunQuery();
  };
  const onTextChange = (key: TextKey) => (e: ChangeEvent<HTMLInputElement>) => onChange({ ...q, [key]: e.target.value });

  const isScores = q.queryType === 'scores';
  const usesDetector = (isScores && q.scoreSource !== 'promql') || q.queryType === 'events';
  const usesRemediator = q.queryType === 'timeline' || q.queryType === 'actions' || q.queryType === 'incidents';
  // filterQuery skips such a query (Grafana then says "No data"): say what is missing instead.
  const missing =
    isScores && q.scoreSource === 'promql'
      ? !q.expr?.trim() && 'Enter a PromQL expression to score.'
      : isScores && !q.detector?.trim() &&
        `Choose a detector to see its scores${detectorNames.length ? ` (configured: ${detectorNames.join(', ')})` : ''}.`;

  return (
    <div data-testid={testIds.queryEditor.root}>
      <InlineFieldRow>
        <InlineField label="Query" labelWidth={12}>
          <RadioButtonGroup<QueryType> options={QUERY_TYPE_OPTIONS} value={q.queryType} onChange={onQueryTypeChange} />
        </InlineField>
        {isScores && (
          <InlineField label="Source" labelWidth={10}>
            <RadioButtonGroup<ScoreSource> options={SOURCE_OPTIONS} value={q.scoreSource} onChange={onSourceChange} />
          </InlineField>
        )}
      </InlineFieldRow>
      <InlineFieldRow>
        {usesDetector && (
          <InlineField label="Detector" labelWidth={12} htmlFor="homeostat-query-detector" tooltip="configured detector, or $variable">
            <Input
              id="homeostat-query-detector"
              data-testid={testIds.queryEditor.detector}
              list="homeostat-detector-names"
              value={q.detector ?? ''}
              placeholder="detector name or $variable"
              width={24}
              onChange={onTextChange('detector')}
              onBlur={onRunQuery}
            />
          </InlineField>
        )}
        <datalist id="homeostat-detector-names">
          {detectorNames.map((n) => (
            <option key={n} value={n} />
          ))}
        </datalist>
        {isScores && q.scoreSource === 'promql' && (
          <>
            <InlineField label="PromQL" labelWidth={12} htmlFor="homeostat-query-expr" grow>
              <Input
                id="homeostat-query-expr"
                data-testid={testIds.queryEditor.expr}
                value={q.expr ?? ''}
                placeholder='sum by (service) (rate(http_requests_total{code=~"5.."}[1m]))'
                onChange={onTextChange('expr')}
                onBlur={onRunQuery}
              />
            </InlineField>
            <InlineField label="Group by" labelWidth={10} htmlFor="homeostat-query-groupby">
              <Input
                id="homeostat-query-groupby"
                value={q.groupBy ?? ''}
                placeholder="service"
                width={16}
                onChange={onTextChange('groupBy')}
                onBlur={onRunQuery}
              />
            </InlineField>
          </>
        )}
        {(isScores || q.queryType === 'events') && (
          <InlineField label="Entity" labelWidth={10} htmlFor="homeostat-query-entity" tooltip='entity key, e.g. service="$service"'>
            <Input
              id="homeostat-query-entity"
              data-testid={testIds.queryEditor.entity}
              value={q.entity ?? ''}
              placeholder='service="orders"'
              width={28}
              onChange={onTextChange('entity')}
              onBlur={onRunQuery}
            />
          </InlineField>
        )}
        {usesRemediator && (
          <InlineField label="Service" labelWidth={12} htmlFor="homeostat-query-service">
            <Input
              id="homeostat-query-service"
              data-testid={testIds.queryEditor.service}
              value={q.service ?? ''}
              placeholder="all services"
              width={24}
              onChange={onTextChange('service')}
              onBlur={onRunQuery}
            />
          </InlineField>
        )}
      </InlineFieldRow>
      {missing && (
        <div className={styles.hint} data-testid={testIds.queryEditor.hint}>
          {missing}
        </div>
      )}
    </div>
  );
}
