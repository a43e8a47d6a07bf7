# frozen_string_literal: true

class DealsController < ActionController::API
  # Publishes and answers at once: the request never waits for Kinesis. The account is the request's (an
  # app's authentication would set it; here a header), and it is both the subject and the partition key.
  def stage
    account = request.headers["X-Account-Id"].presence or return head(:unauthorized)
    jti = KinesisJwtPipeline.publish("deal.stage_changed",
                                     { "dealId" => params[:id], "stage" => params.require(:stage) },
                                     partition_key: account, sub: account)
    render json: { jti: jti }, status: :accepted
  end
end
