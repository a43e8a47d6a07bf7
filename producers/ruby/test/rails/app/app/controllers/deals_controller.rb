# frozen_string_literal: true

class DealsController < ActionController::API
  # Publishes deal.stage_changed v1 (schemas/deal-stage-changed.v1.ts) and answers at once: the request never
  # waits for Kinesis. The account is the request's (an app's authentication would set it; here a header),
  # and it is both the subject and the partition key.
  def stage
    account = request.headers["X-Account-Id"].presence or return head(:unauthorized)
    data = {
      "dealId" => params[:id], "accountId" => account,
      "fromStage" => params[:from_stage].presence, "toStage" => params.require(:to_stage),
      "amountMinor" => Integer(params.require(:amount_minor)), "currency" => params.require(:currency),
      "changedAt" => params[:changed_at].presence || Time.now.utc.iso8601 # when the client saw the change
    }
    jti = KinesisJwtPipeline.publish("deal.stage_changed", data, partition_key: account, sub: account)
    render json: { jti: jti }, status: :accepted
  end
end
